"""The outbox end to end against real servers on loopback: SMTP (aiosmtpd) and HTTP (http.server),
one of them down, on the test database (SQLite file, or PostgreSQL with TESSERA_TEST_DATABASE_URL)."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import threading

import pytest
import sqlalchemy as sa

from runtime.outbox.channels import ChannelError
from runtime.outbox.dispatch import BACKOFF, Dispatcher
from runtime.outbox.enqueue import enqueue, now_utc
from tests.outbox_servers import HTTPReceiver, SMTPServer, free_port

SECRET = "s3cret-for-tests"


def add(platform, **fields):
    """One message, written in a transaction of its own (as a rule's unit of work would)."""
    with platform.engine.begin() as conn:
        return enqueue(conn, platform.system["outbox"], **{"app": "shop", **fields})


def row(platform, message_id):
    o = platform.system["outbox"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(o).where(o.c.id == message_id)).one()


def all_rows(platform):
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(platform.system["outbox"])).all()


def test_email_arrives_with_the_exact_chinese_subject_and_body(shop_platform):
    subject, body = "积分到账通知", "张三，您好！本次消费获得 120 积分，当前余额 1,250 积分。\n谢谢惠顾。"
    with SMTPServer() as smtp:
        env = {"TESSERA_SMTP_HOST": "127.0.0.1", "TESSERA_SMTP_PORT": str(smtp.port),
               "TESSERA_SMTP_FROM": "小店 <shop@example.com>"}
        message_id = add(shop_platform, channel="email", recipient="zhangsan@example.com", subject=subject, body=body)
        done = Dispatcher(shop_platform, env).deliver_due()
    assert done.sent == [message_id] and not done.failed
    [(rcpt, mail)] = smtp.mailbox.messages
    assert rcpt == ["zhangsan@example.com"]
    assert mail["Subject"] == subject and mail["To"] == "zhangsan@example.com"
    assert mail["From"] == "小店 <shop@example.com>"
    assert mail.get_content().replace("\r\n", "\n") == body + "\n"   # SMTP lines end in CRLF on the wire
    stored = row(shop_platform, message_id)
    assert stored.status == "sent" and stored.attempts == 1 and stored.sent_at is not None and stored.last_error is None


def test_webhook_posts_the_json_with_a_valid_signature(shop_platform):
    payload = {"event": "points_earned", "member": "张三", "points": 120}
    with HTTPReceiver() as server:
        message_id = add(shop_platform, channel="webhook", recipient=f"{server.url}/hooks/points", payload=payload,
                         idempotency_key="order-42-earn")
        done = Dispatcher(shop_platform, {"TESSERA_WEBHOOK_SECRET": SECRET}).deliver_due()
    assert done.sent == [message_id]
    [(path, headers, body)] = server.received
    assert path == "/hooks/points" and server.json() == payload
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["X-Tessera-Signature"], expected)
    assert headers["X-Tessera-Idempotency-Key"] == "order-42-earn"
    assert headers["X-Tessera-Message-Id"] == str(message_id)
    assert headers["Content-Type"].startswith("application/json")


def test_a_server_that_is_down_fails_then_delivers_once_it_is_up_and_the_retry_is_due(shop_platform):
    port = free_port()   # nobody listens here yet
    message_id = add(shop_platform, channel="webhook", recipient=f"http://127.0.0.1:{port}/in", payload={"n": 1})
    dispatcher = Dispatcher(shop_platform, {"TESSERA_WEBHOOK_SECRET": SECRET, "TESSERA_WEBHOOK_TIMEOUT": "3"})
    start = now_utc()
    assert dispatcher.deliver_due(start).failed == [message_id]
    failed = row(shop_platform, message_id)
    assert failed.status == "failed" and failed.attempts == 1
    assert "unreachable" in failed.last_error and "\n" not in failed.last_error
    assert failed.next_attempt_at == start + BACKOFF[0]

    with HTTPReceiver(port) as server:
        assert dispatcher.deliver_due(start + dt.timedelta(seconds=30)).sent == []   # up, but not due yet
        assert server.received == []
        done = dispatcher.deliver_due(start + BACKOFF[0])
        assert done.sent == [message_id] and server.json() == {"n": 1}
    sent = row(shop_platform, message_id)
    assert sent.status == "sent" and sent.attempts == 2 and sent.last_error is None


def test_after_every_retry_fails_the_message_is_dead_and_kept(shop_platform):
    with HTTPReceiver(status=503) as server:   # up, and refusing: "HTTP 503"
        message_id = add(shop_platform, channel="webhook", recipient=server.url, payload={"n": 1})
        dispatcher = Dispatcher(shop_platform, {"TESSERA_WEBHOOK_SECRET": SECRET})
        moment = now_utc()
        outcomes = []
        for attempt in range(1, dispatcher.max_attempts + 1):
            done = dispatcher.deliver_due(moment)
            outcomes.append("dead" if done.dead else "failed" if done.failed else "none")
            stored = row(shop_platform, message_id)
            assert stored.attempts == attempt
            if attempt < dispatcher.max_attempts:
                assert stored.next_attempt_at == moment + BACKOFF[attempt - 1]
                moment = stored.next_attempt_at
        assert dispatcher.deliver_due(moment + dt.timedelta(days=30)).dead == []   # dead rows are not retried
    assert outcomes == ["failed"] * len(BACKOFF) + ["dead"]
    assert len(server.received) == dispatcher.max_attempts
    dead = row(shop_platform, message_id)
    assert dead.status == "dead" and dead.last_error.startswith("ChannelError: HTTP 503") and "provider says no" in dead.last_error


def test_a_rolled_back_write_leaves_no_message_and_sends_nothing(shop_platform, shop):
    with pytest.raises(RuntimeError):
        with shop.records.unit_of_work(source="rule") as w:
            member = w.create("members", {"name": "张三", "phone": "13800138000"})
            enqueue(w.conn, shop_platform.system["outbox"], app="shop", channel="log", recipient="13800138000",
                    body="欢迎", rule="welcome", record_table="members", record_id=member["id"])
            raise RuntimeError("a later action refused the write")
    assert all_rows(shop_platform) == []
    assert Dispatcher(shop_platform).deliver_due().sent == []

    with shop.records.unit_of_work(source="rule") as w:   # the same, committed: one row, traced to its rule
        member = w.create("members", {"name": "张三", "phone": "13800138000"})
        enqueue(w.conn, app="shop", channel="log", recipient="13800138000",
                body="欢迎", rule="welcome", record_table="members", record_id=member["id"])
    [stored] = all_rows(shop_platform)
    assert (stored.rule, stored.record_table, stored.record_id, stored.status) == ("welcome", "members", str(member["id"]), "pending")
    assert Dispatcher(shop_platform).deliver_due().sent == [stored.id]
    assert row(shop_platform, stored.id).status == "sent"   # the log channel: delivered to the log


def test_the_same_idempotency_key_is_one_message_and_keeps_the_transaction_usable(shop_platform, shop):
    o = shop_platform.system["outbox"]
    with shop.records.unit_of_work() as w:
        first = enqueue(w.conn, o, app="shop", channel="log", recipient="x", body="1", idempotency_key="evt-1")
        again = enqueue(w.conn, o, app="shop", channel="log", recipient="x", body="2", idempotency_key="evt-1")
        w.create("members", {"name": "李四"})   # the transaction still works after the duplicate
    assert first is not None and again is None
    assert [r.body for r in all_rows(shop_platform)] == ["1"]


def test_an_unknown_channel_or_empty_recipient_is_refused_at_enqueue(shop_platform):
    with pytest.raises(ChannelError, match="unknown channel 'pigeon'.*email"):
        add(shop_platform, channel="pigeon", recipient="x")
    with pytest.raises(ValueError, match="needs a recipient"):
        add(shop_platform, channel="email", recipient="  ")
    assert all_rows(shop_platform) == []


def test_two_dispatchers_claiming_at_once_deliver_each_message_once(shop_platform):
    with HTTPReceiver() as server:
        ids = [add(shop_platform, channel="webhook", recipient=f"{server.url}/m/{i}", payload={"i": i})
               for i in range(40)]
        env = {"TESSERA_WEBHOOK_SECRET": SECRET}
        results, barrier = [], threading.Barrier(2)

        def run():
            barrier.wait()
            results.append(Dispatcher(shop_platform, env, batch=5).deliver_due())

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    sent = sorted(i for done in results for i in done.sent)
    assert sent == sorted(ids)                          # every message, by exactly one of the two
    assert sorted(path for path, _, _ in server.received) == sorted(f"/m/{i}" for i in range(40))
    assert {r.status for r in all_rows(shop_platform)} == {"sent"} and {r.attempts for r in all_rows(shop_platform)} == {1}


def test_sms_and_wechat_post_the_provider_payload_signed(shop_platform):
    with HTTPReceiver() as server:
        env = {"TESSERA_SMS_URL": f"{server.url}/sms", "TESSERA_SMS_SECRET": "sms-key",
               "TESSERA_SMS_PAYLOAD": '{"mobile": {{ recipient|tojson }}, "content": {{ body|tojson }}, "sign": "小店"}',
               "TESSERA_WECHAT_URL": f"{server.url}/wx", "TESSERA_WECHAT_SECRET": "wx-key"}
        add(shop_platform, channel="sms", recipient="13800138000", body="验证码 1234，5 分钟内有效")
        add(shop_platform, channel="wechat", recipient="openid-abc", subject="积分变动", body="+120",
            payload={"points": 120})
        assert len(Dispatcher(shop_platform, env).deliver_due().sent) == 2
    by_path = {path: (headers, body) for path, headers, body in server.received}
    headers, body = by_path["/sms"]
    assert server.json(0) == {"mobile": "13800138000", "content": "验证码 1234，5 分钟内有效", "sign": "小店"}
    assert headers["X-Tessera-Signature"] == "sha256=" + hmac.new(b"sms-key", body, hashlib.sha256).hexdigest()
    assert server.json(1) == {"touser": "openid-abc", "title": "积分变动", "text": "+120", "data": {"points": 120}}


def test_a_channel_that_is_not_configured_fails_visibly_naming_the_setting(shop_platform):
    message_id = add(shop_platform, channel="email", recipient="a@example.com", subject="s", body="b")
    assert Dispatcher(shop_platform, env={}).deliver_due().failed == [message_id]
    assert row(shop_platform, message_id).last_error == "ChannelError: email is not configured: set TESSERA_SMTP_HOST"


def test_a_webhook_to_a_non_http_url_is_refused(shop_platform):
    message_id = add(shop_platform, channel="webhook", recipient="file:///etc/passwd", payload={})
    Dispatcher(shop_platform, {"TESSERA_WEBHOOK_SECRET": SECRET}).deliver_due()
    assert "not an http(s) URL" in row(shop_platform, message_id).last_error


def test_a_claim_abandoned_by_a_dead_dispatcher_is_taken_again_later(shop_platform):
    message_id = add(shop_platform, channel="log", recipient="x", body="b")
    dispatcher = Dispatcher(shop_platform)
    start = now_utc()
    assert [r.id for r in dispatcher.claim(start)] == [message_id]   # claimed, then the process "dies"
    assert dispatcher.deliver_due(start + dt.timedelta(minutes=1)).sent == []
    assert dispatcher.deliver_due(start + dt.timedelta(minutes=16)).sent == [message_id]
    assert row(shop_platform, message_id).attempts == 2


def test_the_channel_registry_finds_every_channel_module():
    from runtime.outbox.channels import DEFAULT, channels

    assert sorted(channels()) == ["email", "log", "sms", "webhook", "wechat"] and DEFAULT == "log"
    assert all(c.description for c in channels().values())
