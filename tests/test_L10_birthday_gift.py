"""L10: a tier's benefits beyond the earn rate: on their birthday a VIP gets a 30-yuan coupon and a
VVIP an 80-yuan one, with a message; a normal member's birthday brings nothing."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from engines.rules.scheduled import run_scheduled
from tests import test_loyalty_rules as base

loyalty = base.loyalty


def test_L10_vip_and_vvip_members_get_a_birthday_coupon(loyalty):
    platform, inst, mia, app = loyalty
    today = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date()
    birthday = "1992-02-29" if (today.month, today.day) == (2, 29) else today.replace(year=1990).isoformat()
    r = inst.records
    vvip = r.create("members", {"name": "钱多", "phone": "13900000021", "birthday": birthday})
    normal = r.create("members", {"name": "平常", "phone": "13900000022", "birthday": birthday})
    members = inst.form.sql["members"]
    with inst.form.engine.begin() as conn:      # tiers and birthdays as the members' history left them
        conn.execute(members.update().where(members.c.id == mia["id"]).values(tier="vip", birthday=dt.date.fromisoformat(birthday)))
        conn.execute(members.update().where(members.c.id == vvip["id"]).values(tier="vvip"))
    rule = next(x for x in inst.app.rules if x.name == "tier_birthday_gift")
    assert run_scheduled(inst, rule) == {"ran": 2, "failed": 0, "skipped": 0}
    coupons = inst.form.sql["coupons"]
    with inst.form.engine.connect() as conn:
        rows = conn.execute(sa.select(coupons.c.member, coupons.c.face_value, coupons.c.source, coupons.c.expires_on)
                            .order_by(coupons.c.member)).all()
        texts = conn.execute(sa.text("SELECT recipient, body FROM tessera_outbox WHERE rule = 'tier_birthday_gift' "
                                     "ORDER BY recipient")).all()
    assert [(m, Decimal(v), s) for m, v, s, _ in rows] == [(mia["id"], Decimal(30), "birthday"),
                                                            (vvip["id"], Decimal(80), "birthday")]
    assert all(e == today + dt.timedelta(days=30) for *_x, e in rows)
    assert [tuple(t) for t in texts] == [("+8613800138000", "尊敬的Mia，生日快乐！您的30.00元生日礼券已到账，30天内有效。"),
                                         ("+8613900000021", "尊敬的钱多，生日快乐！您的80.00元生日礼券已到账，30天内有效。")]
    assert normal["id"] not in [m for m, *_ in rows]
