"""L4 tasks (apps/loyalty.yaml: task_orders, task_check_ins, task_profile, task_reward): counted actions
advance a member's progress on the active tasks; reaching the target pays the reward once."""
import datetime as dt
from zoneinfo import ZoneInfo

from tests import test_loyalty_rules as base
from tests.test_loyalty_rules import client_for, entries, ledger_ok, points

loyalty = base.loyalty


def task(olga, h, **values):
    resp = olga.post("/api/loyalty/tasks", json=values, headers=h)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_L4_tasks_count_actions_and_pay_their_reward_once(loyalty):
    platform, inst, member, app = loyalty
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    olga, oh = client_for(app, "olga")
    first = task(olga, oh, name="首单奖励", kind="newcomer", action="order", target_count=1, reward_points=100)
    monthly = task(olga, oh, name="本月签到3次", kind="monthly", action="check_in", target_count=3, reward_points=50)
    task(olga, oh, name="停用的任务", kind="monthly", action="check_in", target_count=1, reward_points=999, active=False)
    task(olga, oh, name="已结束的任务", kind="monthly", action="check_in", target_count=1, reward_points=999,
         ends_on=(today - dt.timedelta(days=1)).isoformat())
    task(olga, oh, name="未开始的任务", kind="newcomer", action="order", target_count=1, reward_points=999,
         starts_on=(today + dt.timedelta(days=1)).isoformat())
    mia, h = client_for(app, "mia")
    # a check-in (the member's button) counts for the monthly challenge
    assert mia.post(f"/api/loyalty/members/{member['id']}/actions/check_in", headers=h).status_code == 200
    (progress,) = mia.get("/api/loyalty/task_progress").get_json()["data"]
    assert (progress["task"], progress["period"], progress["count"], progress["completed_at"]) == \
        (monthly["id"], today.strftime("%Y-%m"), 1, None)
    for back in (1, 2, 3):                     # check-ins of earlier days, entered by the system
        inst.records.create("check_ins", {"member": member["id"], "day": (today - dt.timedelta(days=back)).isoformat()})
    (progress,) = mia.get("/api/loyalty/task_progress").get_json()["data"]
    assert progress["count"] == 3 and progress["completed_at"] is not None        # the 4th did not count
    # a completed order counts for the newcomer task
    sam, sh = client_for(app, "sam")
    for no in ("T-1", "T-2"):
        order = sam.post("/api/loyalty/orders", json={"order_no": no, "member": member["id"], "amount": "10.00"},
                         headers=sh).get_json()
        assert sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=sh).status_code == 200
    rows = {p["task"]: p for p in mia.get("/api/loyalty/task_progress").get_json()["data"]}
    assert set(rows) == {monthly["id"], first["id"]}                 # not the inactive, ended or future tasks
    assert (rows[first["id"]]["period"], rows[first["id"]]["count"]) == (None, 1)
    rewards = [(c, k) for c, reason, k in entries(inst, member["id"]) if reason == "task"]
    assert sorted(rewards) == sorted([(50, f"task-{rows[monthly['id']]['id']}"), (100, f"task-{rows[first['id']]['id']}")])
    assert points(inst, member["id"]) == 10 + 50 + 100 + 10 + 10
    assert ledger_ok(inst)
    # an order reopened and completed again counts once, as it earns once: not even for a task of
    # three orders added meanwhile
    three = task(olga, oh, name="本月下单3次", kind="monthly", action="order", target_count=3, reward_points=30)
    sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "paid"}, headers=sh)
    assert sam.patch(f"/api/loyalty/orders/{order['id']}", json={"status": "completed"}, headers=sh).status_code == 200
    again = {p["task"]: p for p in mia.get("/api/loyalty/task_progress").get_json()["data"]}
    assert three["id"] not in again and points(inst, member["id"]) == 10 + 50 + 100 + 10 + 10
    fresh = sam.post("/api/loyalty/orders", json={"order_no": "T-3", "member": member["id"], "amount": "10.00"},
                     headers=sh).get_json()
    sam.patch(f"/api/loyalty/orders/{fresh['id']}", json={"status": "completed"}, headers=sh)
    again = {p["task"]: p for p in mia.get("/api/loyalty/task_progress").get_json()["data"]}
    assert again[three["id"]]["count"] == 1


def test_L4_a_completed_profile_counts_and_an_operator_completing_a_task_pays_once(loyalty):
    platform, inst, member, app = loyalty
    olga, oh = client_for(app, "olga")
    profile = task(olga, oh, name="完善资料", kind="newcomer", action="profile", target_count=1, reward_points=30)
    shares = task(olga, oh, name="分享5次", kind="monthly", action="share", target_count=5, reward_points=80)
    assert olga.patch(f"/api/loyalty/members/{member['id']}", json={"profile_completed": True},
                      headers=oh).status_code == 200
    mia, h = client_for(app, "mia")
    (done,) = mia.get("/api/loyalty/task_progress").get_json()["data"]
    assert done["task"] == profile["id"] and done["completed_at"] is not None and points(inst, member["id"]) == 30
    # shares have no table yet: an operator records the progress and marks it done by hand
    row = inst.records.create("task_progress", {"member": member["id"], "task": shares["id"], "count": 5})
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    assert olga.patch(f"/api/loyalty/task_progress/{row['id']}", json={"completed_at": now}, headers=oh).status_code == 200
    olga.patch(f"/api/loyalty/task_progress/{row['id']}", json={"completed_at": None}, headers=oh)
    olga.patch(f"/api/loyalty/task_progress/{row['id']}", json={"completed_at": now}, headers=oh)
    assert points(inst, member["id"]) == 30 + 80
    assert ledger_ok(inst)
