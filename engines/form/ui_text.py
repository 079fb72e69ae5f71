"""The fixed words of the generated pages, in Chinese and English.

Templates call `t("key")` (injected by the pages blueprint); `{name}` placeholders are filled
from keyword arguments: `t("total", n=12)`.
"""
from __future__ import annotations

from types import MappingProxyType

TEXT = MappingProxyType({
    "brand": ("Tessera", "Tessera"),
    "history": ("修改记录", "History"),
    "audit_log": ("操作日志", "Audit log"),
    "audit_empty": ("没有符合条件的记录。", "No entries match."),
    "when": ("时间", "When"),
    "who": ("操作人", "Who"),
    "source": ("来源", "Source"),
    "action": ("操作", "Action"),
    "changes": ("变更内容", "Changes"),
    "record": ("记录", "Record"),
    "older": ("更早", "Older"),
    "action_create": ("新建", "created"),
    "action_update": ("修改", "updated"),
    "action_delete": ("删除", "deleted"),
    "home": ("首页", "Home"),
    "apps": ("应用", "Apps"),
    "no_apps": ("还没有安装任何应用。", "No apps are installed yet."),
    "tables": ("数据表", "Tables"),
    "records_n": ("{n} 条记录", "{n} records"),
    "open": ("打开", "Open"),
    "new": ("新建", "New"),
    "new_record": ("新建{table}", "{table}: new record"),
    "edit": ("编辑", "Edit"),
    "edit_record": ("编辑{table}", "{table}: edit"),
    "delete": ("删除", "Delete"),
    "save": ("保存", "Save"),
    "cancel": ("取消", "Cancel"),
    "back": ("返回", "Back"),
    "search": ("搜索", "Search"),
    "search_placeholder": ("搜索关键字…", "Search…"),
    "filter": ("筛选", "Filter"),
    "apply": ("应用筛选", "Apply"),
    "clear": ("清除", "Clear"),
    "any": ("全部", "Any"),
    "yes": ("是", "Yes"),
    "no": ("否", "No"),
    "from": ("从", "From"),
    "to": ("到", "To"),
    "total": ("共 {n} 条", "{n} in total"),
    "prev": ("上一页", "Previous"),
    "next": ("下一页", "Next"),
    "empty_list": ("没有找到记录。", "No records found."),
    "view": ("查看", "View"),
    "view_all": ("查看全部 {n} 条", "View all {n}"),
    "related_empty": ("暂无关联记录。", "No linked records."),
    "created_at": ("创建时间", "Created"),
    "updated_at": ("更新时间", "Updated"),
    "created_by": ("创建人", "Created by"),
    "updated_by": ("更新人", "Updated by"),
    "id": ("编号", "ID"),
    "required": ("必填", "required"),
    "choose": ("请选择", "Choose…"),
    "record_id_hint": ("填写记录编号", "Enter the record's id"),
    "current": ("当前：{title}", "Current: {title}"),
    "remove_file": ("删除此文件", "Remove this file"),
    "download": ("下载", "Download"),
    "form_errors": ("请修正下面标出的问题后再保存。", "Please correct the marked fields and save again."),
    "query_errors": ("查询条件有误：", "The query is not valid:"),
    "created": ("已创建：{title}", "Created: {title}"),
    "updated": ("已保存：{title}", "Saved: {title}"),
    "deleted": ("已删除：{title}", "Deleted: {title}"),
    "confirm_delete": ("确定要删除“{title}”吗？", "Delete “{title}”?"),
    "delete_warning": ("删除后无法恢复。", "This cannot be undone."),
    "not_found": ("找不到页面", "Page not found"),
    "not_found_text": ("您要找的应用、数据表或记录不存在，可能已被删除。",
                       "The app, table or record you are looking for does not exist or was deleted."),
    "error": ("出错了", "Something went wrong"),
    "language": ("语言", "Language"),
    "sort_by": ("按此列排序", "Sort by this column"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出登录", "Sign out"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "signed_in_as": ("当前用户：{name}", "Signed in as {name}"),
    "login_failed": ("用户名或密码不正确。", "Wrong username or password."),
    "login_throttled": ("登录失败次数过多，请 15 分钟后再试。",
                        "Too many failed sign-ins. Please try again in 15 minutes."),
    "forbidden_text": ("您没有访问此应用的权限，请联系管理员分配角色。",
                       "You have no access to this app. Ask an administrator to grant you a role."),
    "form_expired": ("表单已过期", "The form has expired"),
    "form_expired_text": ("页面停留时间过长或会话已变化，请返回刷新页面后重新提交。",
                          "The page was open too long or your session changed. Go back, reload the page and submit again."),
    "csrf_api": ("使用登录会话写入时必须带上 X-CSRFToken 请求头。",
                 "A write authenticated by the session cookie must carry the X-CSRFToken header."),
    "api_sign_in": ("请先登录，或在请求中带上 Authorization: Bearer <令牌>。",
                    "Sign in, or send Authorization: Bearer <token>."),
    "token_invalid": ("令牌无效或已被吊销。", "The token is not valid or was revoked."),
})


def translate(key: str, lang: str, **values) -> str:
    """The text of `key` in `lang` (zh unless "en"); an unknown key comes back as itself."""
    pair = TEXT.get(key)
    if pair is None:
        return key
    text = pair[1] if lang == "en" else pair[0]
    return text.format(**values) if values else text


def translator(lang: str):
    """A `t(key, **values)` bound to one language, for templates."""
    def t(key: str, **values) -> str:
        return translate(key, lang, **values)
    return t
