"""The flow pages' own words in both languages (kept beside the engine, as the report engine does)."""
from __future__ import annotations

from types import MappingProxyType

from engines.common.labels import msg

WORDS = MappingProxyType({
    "inbox": msg("To-do", "待办"),
    "inbox_empty": msg("Nothing is waiting for you.", "没有等待你处理的待办。"),
    "approve": msg("Approve", "同意"),
    "reject": msg("Reject", "拒绝"),
    "complete": msg("Complete", "完成"),
    "comment": msg("Comment", "意见"),
    "waiting_since": msg("Waiting since", "等待自"),
    "due": msg("Due", "截止"),
    "for_whom": msg("on behalf of {name}", "代 {name} 处理"),
    "decided": msg("Decision recorded", "已提交处理结果"),
    "waiting_others": msg("Your approval is counted; the others still have to approve.",
                          "你的审批已记录，还需其他人审批。"),
    "flow_history": msg("Flow", "流程"),
    "now_at": msg("Now at", "当前节点"),
    "finished": msg("Finished", "已结束"),
    "cancelled": msg("Cancelled", "已取消"),
    "running": msg("Running", "进行中"),
    "waiting_for": msg("Waiting for", "等待处理人"),
    "started": msg("started", "发起"),
    "end": msg("ended", "结束"),
    "timeout": msg("timed out", "超时"),
    "approve_done": msg("approved", "同意"),
    "reject_done": msg("rejected", "拒绝"),
    "complete_done": msg("completed", "完成"),
    "system": msg("the system", "系统"),
    "delegate": msg("Delegate my tasks", "委托我的待办"),
    "delegate_to": msg("To (username)", "委托给（用户名）"),
    "delegate_from": msg("From", "开始时间"),
    "delegate_until": msg("Until", "结束时间"),
    "delegate_save": msg("Delegate", "委托"),
    "delegations": msg("Delegations", "委托"),
    "revoke": msg("Revoke", "撤销"),
    "delegated": msg("Delegation saved", "委托已保存"),
    "revoked": msg("Delegation revoked", "委托已撤销"),
    "flows": msg("Flows", "流程"),
    "instances": msg("Recent instances", "最近的流程实例"),
    "no_instances": msg("No instance yet.", "还没有流程实例。"),
    "table": msg("Table", "数据表"),
    "status": msg("Status", "状态"),
    "record": msg("Record", "记录"),
    "started_at": msg("Started", "发起时间"),
    "started_flow": msg("Started: {flow}", "已发起：{flow}"),
    "not_person": msg("sign in as a person: an API token has no tasks", "请以个人账号登录：API 令牌没有待办"),
})


def word(key: str, lang: str, **values) -> str:
    text = WORDS[key].get(lang)
    return text.format(**values) if values else text


DONE = {"approve": "approve_done", "reject": "reject_done", "complete": "complete_done", "started": "started",
        "end": "end", "timeout": "timeout"}


def decision_word(decision: str, lang: str) -> str:
    return word(DONE[decision], lang) if decision in DONE else decision
