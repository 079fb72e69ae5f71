"""The admins' Messages page (/_admin/messages), the `outbox.deliver` job, the in-process worker and
`tessera outbox`, on the test database."""
from __future__ import annotations

import time

import sqlalchemy as sa
from click.testing import CliRunner

from runtime.auth import create_user
from runtime.outbox.commands import outbox
from runtime.outbox.dispatch import Dispatcher
from runtime.outbox.enqueue import enqueue
from runtime.outbox.worker import start_worker, wake
from runtime.scheduler.registry import collect_jobs
from runtime.scheduler.runner import RAN, Runner
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, csrf_from, sign_in
from tests.outbox_servers import free_port


def add(platform, **fields):
    with platform.engine.begin() as conn:
        return enqueue(conn, platform.system["outbox"], **{"app": "shop", "channel": "log", "recipient": "x", **fields})


def status(platform, message_id):
    o = platform.system["outbox"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(o.c.status, o.c.attempts).where(o.c.id == message_id)).one()


def admin_client(platform):
    client = create_app(platform, config={"TESTING": True}).test_client()
    assert sign_in(client, "boss", ADMIN_PASSWORD).status_code == 303
    return client


def failing_webhook(platform):
    """A webhook message to a server that is down, after its first (failed) attempt."""
    message_id = add(platform, channel="webhook", recipient=f"http://127.0.0.1:{free_port()}/", payload={"a": 1})
    Dispatcher(platform, {"TESSERA_WEBHOOK_SECRET": "k", "TESSERA_WEBHOOK_TIMEOUT": "2"}).deliver_due()
    return message_id


def test_the_page_lists_messages_with_status_attempts_and_error_and_filters(shop_platform, admin_user):
    sent = add(shop_platform, subject="欢迎", body="张三，欢迎入会")
    Dispatcher(shop_platform).deliver_due()
    failed = failing_webhook(shop_platform)
    client = admin_client(shop_platform)

    home = client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'href="/_admin/messages"' in home                    # the header link, for admins

    page = client.get("/_admin/messages", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'id="message-{sent}"' in page and f'id="message-{failed}"' in page
    assert "张三，欢迎入会" in page and "failed, will retry" in page and "unreachable" in page
    only_failed = client.get("/_admin/messages?status=failed").get_data(as_text=True)
    assert f'id="message-{failed}"' in only_failed and f'id="message-{sent}"' not in only_failed
    by_channel = client.get("/_admin/messages?channel=log&app=shop").get_data(as_text=True)
    assert f'id="message-{sent}"' in by_channel and f'id="message-{failed}"' not in by_channel
    zh = client.get("/_admin/messages", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "消息" in zh and "重试" in zh


def test_retry_now_makes_a_failed_message_due_at_once_and_needs_the_csrf_token(shop_platform, admin_user):
    failed = failing_webhook(shop_platform)
    client = admin_client(shop_platform)
    assert client.post(f"/_admin/messages/{failed}/retry").status_code == 400      # no CSRF token: refused
    assert status(shop_platform, failed).status == "failed"

    token = csrf_from(client.get("/_admin/messages").get_data(as_text=True))
    resp = client.post(f"/_admin/messages/{failed}/retry", data={"csrf_token": token, "status": "failed"},
                       headers={"Accept-Language": "en"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/_admin/messages?status=failed")
    assert status(shop_platform, failed) == ("pending", 1)       # due now; the attempts so far are kept
    assert "will be sent again now" in client.get("/_admin/messages", headers={"Accept-Language": "en"}).get_data(as_text=True)

    sent = add(shop_platform)
    Dispatcher(shop_platform).deliver_due()
    client.post(f"/_admin/messages/{sent}/retry", data={"csrf_token": token})
    assert status(shop_platform, sent).status == "sent"           # a sent message is not sent again


def test_only_admins_see_the_page(shop_platform, admin_user):
    create_user(shop_platform, "clerk", ADMIN_PASSWORD)
    client = create_app(shop_platform, config={"TESTING": True}).test_client()
    assert client.get("/_admin/messages").status_code in (302, 303)   # signed out: to the sign-in page
    sign_in(client, "clerk", ADMIN_PASSWORD)
    assert client.get("/_admin/messages").status_code == 403
    assert client.post("/_admin/messages/1/retry", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))}
                       ).status_code == 403


def test_the_scheduler_job_delivers_due_messages(shop_platform):
    message_id = add(shop_platform)
    job = collect_jobs(shop_platform)["outbox.deliver"]
    outcome = Runner(shop_platform).run_now(job)
    assert outcome.status == RAN
    assert status(shop_platform, message_id).status == "sent"


def test_the_worker_thread_delivers_when_woken_after_a_commit(shop_platform):
    worker = start_worker(shop_platform, poll=3600)   # it would not poll again during the test
    try:
        assert start_worker(shop_platform) is worker
        deadline = time.monotonic() + 10
        while worker.passes < 1 and time.monotonic() < deadline:   # its first pass, at start, is done
            time.sleep(0.01)
        message_id = add(shop_platform)
        wake(shop_platform)
        while status(shop_platform, message_id).status != "sent" and time.monotonic() < deadline:
            time.sleep(0.02)
        assert status(shop_platform, message_id).status == "sent"
    finally:
        worker.stop()


def test_the_cli_lists_and_delivers(shop_platform, db_url):
    message_id = add(shop_platform, subject="生日快乐")
    runner = CliRunner()
    listed = runner.invoke(outbox, ["list", "--db", db_url])
    assert listed.exit_code == 0, listed.output
    assert listed.output.startswith(f"{message_id}\tpending\t0\tshop\tlog\tx\t生日快乐")
    once = runner.invoke(outbox, ["deliver", "--once", "--db", db_url])
    assert once.exit_code == 0 and once.output.strip() == "1 sent, 0 failed (will retry), 0 dead"
    assert "\tsent\t1\t" in runner.invoke(outbox, ["list", "--status", "sent", "--db", db_url]).output
