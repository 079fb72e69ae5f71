"""The rules' notify and webhook actions: messages written to the outbox with the write, rendered
from templates with the record's real values, delivered after the commit; none when the write fails."""
import pytest
import sqlalchemy as sa

from builder import BuildFailed, compile_files
from engines.form.errors import RecordError
from runtime.outbox.dispatch import Dispatcher
from tests.outbox_servers import HTTPReceiver

SECRET = "s3cret"
APP = """
app: shop
tables:
  members:
    title_field: name
    fields:
      name: {type: text}
      phone: {type: phone}
  orders:
    fields:
      member: {type: link, table: members}
      amount: {type: money}
      hook: {type: text}
rules:
  thank_you:
    when: {created: orders}
    do:
      - fail: too big
        if: record.amount > 10000
      - notify:
          channel: log
          to: =record.member.phone
          subject: 感谢惠顾
          body: "{{ record.member.name }}，您消费 {{ record.amount }} 元，谢谢！"
      - webhook:
          url: =record.hook
          payload: {member: =record.member.name, amount: =record.amount, order: =record.id}
        if: record.hook != None
"""


@pytest.fixture
def shop(make_platform):
    platform = make_platform(APP)
    return platform, platform.apps["shop"]


def outbox_rows(platform):
    t = platform.system["outbox"]
    with platform.engine.connect() as conn:
        return conn.execute(sa.select(t.c.id, t.c.channel, t.c.recipient, t.c.subject, t.c.body, t.c.payload,
                                      t.c.rule, t.c.status).order_by(t.c.id)).all()


def test_notify_renders_the_records_values_into_the_outbox(shop):
    platform, inst = shop
    m = inst.records.create("members", {"name": "张三", "phone": "13800138000"})
    inst.records.create("orders", {"member": m["id"], "amount": "88.50"})
    [row] = outbox_rows(platform)
    assert (row.channel, row.recipient, row.subject, row.body, row.rule) == \
        ("log", "+8613800138000", "感谢惠顾", "张三，您消费 88.50 元，谢谢！", "thank_you")
    assert Dispatcher(platform, {}).deliver_due().sent == [row.id]


def test_a_refused_write_sends_nothing(shop):
    platform, inst = shop
    m = inst.records.create("members", {"name": "张三", "phone": "13800138000"})
    with pytest.raises(RecordError):
        inst.records.create("orders", {"member": m["id"], "amount": "20000"})
    assert outbox_rows(platform) == []


def test_no_recipient_no_message(shop):
    platform, inst = shop
    m = inst.records.create("members", {"name": "李四"})
    inst.records.create("orders", {"member": m["id"], "amount": "1.00"})
    assert outbox_rows(platform) == []


def test_webhook_action_is_delivered_to_a_real_server(shop):
    platform, inst = shop
    m = inst.records.create("members", {"name": "王五"})
    with HTTPReceiver() as server:
        o = inst.records.create("orders", {"member": m["id"], "amount": "12.30", "hook": f"{server.url}/erp"})
        done = Dispatcher(platform, {"TESSERA_WEBHOOK_SECRET": SECRET}).deliver_due()
        assert len(done.sent) == 1
        assert server.json() == {"member": "王五", "amount": "12.30", "order": o["id"]}


def test_a_template_error_is_a_build_error(tmp_path):
    p = tmp_path / "a.yaml"
    p.write_text("app: a\ntables:\n  t:\n    fields: {x: {type: text}}\nrules:\n  r:\n    when: {created: t}\n"
                 "    do:\n      - notify: {to: x, body: '{{ record.x '}\n", encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_files([str(p)])
    assert "rules.r.do[0].notify.body" in str(exc.value.errors[0])
