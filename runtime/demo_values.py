"""The demo's values by field type and name: Chinese names of people, phones, regions, amounts, things
(runtime/demo.py writes them)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建华飞鑫波宁婷欣雪琳晨宇浩然子涵梓萱一诺思远嘉怡"
REGIONS = [("广东省", "深圳市", "南山区"), ("广东省", "广州市", "天河区"), ("上海市", "上海市", "浦东新区"),
           ("北京市", "北京市", "朝阳区"), ("浙江省", "杭州市", "西湖区"), ("江苏省", "南京市", "鼓楼区"),
           ("四川省", "成都市", "武侯区"), ("湖北省", "武汉市", "洪山区"), ("福建省", "厦门市", "思明区"),
           ("山东省", "青岛市", "市南区"), ("陕西省", "西安市", "雁塔区"), ("湖南省", "长沙市", "岳麓区")]
WORDS = ["经典", "精选", "限定", "尊享", "臻品", "悦享", "优选", "畅享", "星耀", "匠心"]
THINGS = ["保温杯", "帆布袋", "蓝牙耳机", "咖啡券", "雨伞", "笔记本", "香薰", "抱枕", "茶具", "毛巾"]
MOBILE_PREFIXES = ["130", "131", "132", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                   "156", "157", "158", "159", "177", "180", "181", "182", "186", "187", "188", "189"]
USERS = "__users__"     # the pool of demo users for required `user` fields (one per record)


class Generator:
    def __init__(self, rng: random.Random, pools, table):
        self.rng, self.pools = rng, pools
        self.title = table.title_field
        # a table of people (it has a sign-in account or a birthday) names people; others name things
        self.people = any(f.type == "user" or "birth" in n or n == "gender" for n, f in table.fields.items())
        self.now = dt.datetime.now(dt.timezone.utc)

    def value(self, f, i):
        r = self.rng
        handler = getattr(self, "_" + f.type, None)
        if handler is None:
            return None
        if f.demo:                      # the definition's own sample values (`demo:`)
            # titles in the given order: the records are told apart while the list lasts
            return f.demo[i % len(f.demo)] if f.name == self.title else r.choice(f.demo)
        if not f.required and f.type not in ("select", "link") and r.random() < 0.1:
            return None
        return handler(f, i)

    def _text(self, f, i):
        n = f.name
        if "name" in n and "user" not in n and self.people:
            return r_name(self.rng) if f.max_length is None or f.max_length >= 3 else None
        if f.unique or n.endswith(("_no", "_id", "code")):
            return f"{n[:2].upper()}{i + 1:06d}"[: f.max_length or 40]
        text = self.rng.choice(WORDS) + self.rng.choice(THINGS)
        return text[: f.max_length] if f.max_length else text

    _barcode = _text

    def _long_text(self, f, i):
        return "，".join(self.rng.choice(WORDS) + self.rng.choice(THINGS) for _ in range(3)) + "。"

    def _integer(self, f, i):
        if isinstance(f.default, int) and not f.readonly and self.rng.random() < 0.8:
            return f.default                                       # a quantity of 1, no points used
        lo = f.min if isinstance(f.min, int) else 0
        hi = f.max if isinstance(f.max, int) else max(lo + 10, 1000)
        return self.rng.randint(lo, hi) if not f.readonly else None

    def _money(self, f, i):
        lo = float(f.min) if f.min is not None else 0.0
        value = Decimal(str(round(self.rng.uniform(max(lo, 1.0), 2000.0), 2)))
        return None if f.readonly else str(value)

    _decimal = _money

    def _percent(self, f, i):
        return self.rng.choice([5, 10, 15, 20])

    def _rating(self, f, i):
        return self.rng.randint(1, int(f.max or 5))

    def _select(self, f, i):
        if f.default is not None and self.rng.random() < 0.8:     # most records keep the usual state
            return f.default
        return self.rng.choice(f.options).key if f.options else None

    def _multi_select(self, f, i):
        return [o.key for o in f.options if self.rng.random() < 0.4]

    def _boolean(self, f, i):
        if f.default is not None and self.rng.random() < 0.8:     # as for selects: mostly the usual state
            return bool(f.default)
        return self.rng.random() < 0.7

    def _phone(self, f, i):
        prefix = self.rng.choice(MOBILE_PREFIXES)
        return f"{prefix}{i:04d}{self.rng.randint(0, 9999):04d}"

    def _email(self, f, i):
        return f"user{i + 1}@example.com"

    def _url(self, f, i):
        return f"https://example.com/{i + 1}"

    def _date(self, f, i):
        if "birth" in f.name:
            return dt.date(self.rng.randint(1965, 2005), self.rng.randint(1, 12), self.rng.randint(1, 28)).isoformat()
        return (self.now.date() - dt.timedelta(days=self.rng.randint(0, 364))).isoformat()

    def _datetime(self, f, i):
        back = dt.timedelta(days=self.rng.randint(0, 364), seconds=self.rng.randint(0, 86399))
        return (self.now - back).isoformat()

    def _time(self, f, i):
        return f"{self.rng.randint(8, 21):02d}:{self.rng.choice(['00', '15', '30', '45'])}"

    def _region(self, f, i):
        return "/".join(self.rng.choice(REGIONS))

    def _color(self, f, i):
        return "#%06x" % self.rng.randint(0, 0xFFFFFF)

    def _user(self, f, i):
        pool = self.pools.get(USERS) or []
        return pool[i] if i < len(pool) else None

    def _link(self, f, i):
        pool = self.pools.get(f.table) or []
        return self.rng.choice(pool) if pool else None

    def _multi_link(self, f, i):
        pool = self.pools.get(f.table) or []
        return sorted(set(self.rng.sample(pool, min(len(pool), self.rng.randint(0, 3))))) if pool else []


def r_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def credit(rng, f):
    return rng.randint(1, 500) if f.type == "integer" else str(Decimal(rng.randint(100, 50000)) / 100)
