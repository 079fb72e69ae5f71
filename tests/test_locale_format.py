"""Dates, times, numbers and money on pages as each language writes them (Babel), in the app's time
zone; the JSON API keeps machine formats."""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from engines.common.locales import format_datetime, format_money, format_number, format_time
from runtime.auth import create_user
from runtime.webapp import create_app
from tests.conftest import ADMIN_PASSWORD, sign_in

TILL = """
app: till
title: {zh: 收银, en: Till}
timezone: Asia/Shanghai
tables:
  sales:
    label: {zh: 销售, en: Sales}
    title_field: ref
    list_fields: [ref, amount, day, at, qty, created_at]
    fields:
      ref:    {type: text, required: true, label: {zh: 单号, en: Ref}}
      amount: {type: money, label: {zh: 金额, en: Amount}}
      day:    {type: date, label: {zh: 日期, en: Day}}
      at:     {type: datetime, label: {zh: 时间, en: At}}
      qty:    {type: integer, label: {zh: 数量, en: Quantity}}
      rate:   {type: decimal, scale: 3, label: {zh: 费率, en: Rate}}
      opens:  {type: time, label: {zh: 开门, en: Opens}}
      share:  {type: percent, label: {zh: 占比, en: Share}}
      stars:  {type: rating, label: {zh: 评分, en: Stars}}
"""
NNBSP = "\u202f"        # CLDR puts a narrow no-break space before AM/PM
SALE = {"ref": "S-1", "amount": "1234.5", "day": "2024-03-05", "at": "2024-03-05T06:30:00Z", "qty": 12345,
        "rate": "1234.5", "opens": "09:05", "share": "12.5", "stars": 4}
EXPECTED = {   # field -> (zh, en); 06:30 UTC is 14:30 in Shanghai
    "amount": ("¥1,234.50", "¥1,234.50"),
    "day": ("2024年3月5日", "Mar 5, 2024"),
    "at": ("2024年3月5日 14:30", f"Mar 5, 2024, 2:30{NNBSP}PM"),
    "qty": ("12,345", "12,345"),
    "rate": ("1,234.500", "1,234.500"),
    "opens": ("09:05", f"9:05{NNBSP}AM"),
    "share": ("12.5%", "12.5%"),
    "stars": ("★★★★☆", "★★★★☆"),
}


@pytest.fixture
def platform(make_platform):
    return make_platform(TILL)


@pytest.fixture
def sale(platform):
    return platform.apps["till"].records.create("sales", SALE)


@pytest.fixture
def client(platform):
    create_user(platform, "boss", ADMIN_PASSWORD, is_admin=True)
    c = create_app(platform, config={"TESTING": True}).test_client()
    sign_in(c, "boss", ADMIN_PASSWORD)
    return c


def cells(page: str) -> list[str]:
    """The text of each cell of the list's first row."""
    row = re.search(r"<tbody>\s*<tr>(.*?)</tr>", page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]


def detail_values(page: str) -> dict[str, str]:
    return {label: re.sub(r"<[^>]+>", "", value).strip()
            for label, value in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", page, re.S)}


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_list_cells_are_formatted_for_the_language(client, sale, lang):
    i = 0 if lang == "zh" else 1
    page = client.get(f"/till/sales/?lang={lang}").get_data(as_text=True)
    ref, amount, day, at, qty, created = cells(page)
    assert (ref, amount, day, at, qty) == ("S-1", EXPECTED["amount"][i], EXPECTED["day"][i], EXPECTED["at"][i],
                                           EXPECTED["qty"][i])
    local = sale["created_at"].astimezone(ZoneInfo("Asia/Shanghai"))
    if lang == "zh":
        assert created == f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}"
    else:
        assert created.startswith(f"{local:%b} {local.day}, {local.year}, ") and created.endswith(("AM", "PM"))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_detail_values_are_formatted_for_the_language(client, sale, lang):
    i = 0 if lang == "zh" else 1
    page = client.get(f"/till/sales/{sale['id']}?lang={lang}").get_data(as_text=True)
    shown = detail_values(page)
    labels = {"amount": ("金额", "Amount"), "day": ("日期", "Day"), "at": ("时间", "At"),
              "qty": ("数量", "Quantity"), "rate": ("费率", "Rate"), "opens": ("开门", "Opens"),
              "share": ("占比", "Share"), "stars": ("评分", "Stars")}
    assert {name: shown[label[i]] for name, label in labels.items()} == {k: v[i] for k, v in EXPECTED.items()}


def test_history_shows_values_and_times_as_the_page_does(client, platform, sale):
    platform.apps["till"].records.update("sales", sale["id"], {"amount": "2000", "day": "2024-12-25"})
    zh = client.get(f"/till/sales/{sale['id']}?lang=zh").get_data(as_text=True)
    assert '<span class="muted">金额:</span> ¥1,234.50 → ¥2,000.00' in zh
    assert '<span class="muted">日期:</span> 2024年3月5日 → 2024年12月25日' in zh
    en = client.get(f"/till/sales/{sale['id']}?lang=en").get_data(as_text=True)
    assert '<span class="muted">Day:</span> Mar 5, 2024 → Dec 25, 2024' in en
    when = re.search(r'<p class="meta"><strong>updated</strong> · ([^·]+) ·', en).group(1).strip()
    assert re.fullmatch(rf"[A-Z][a-z]{{2}} \d{{1,2}}, \d{{4}}, \d{{1,2}}:\d\d{NNBSP}[AP]M", when), when


def test_the_api_keeps_machine_formats(client, sale):
    body = client.get(f"/api/till/sales/{sale['id']}?lang=en").get_json()
    assert {k: body[k] for k in ("amount", "day", "at", "qty", "rate", "opens")} == {
        "amount": "1234.50", "day": "2024-03-05", "at": "2024-03-05T06:30:00Z", "qty": 12345, "rate": "1234.500",
        "opens": "09:05:00"}


def test_the_formatters():
    assert format_money(Decimal("-1234.5"), "CNY", "en") == "-¥1,234.50"
    assert format_money(Decimal("1234.5"), "USD", "zh") == "US$1,234.50"
    assert format_money(Decimal("1234.5"), "USD", "en") == "$1,234.50"
    assert format_number(Decimal("1234567.891"), "zh") == "1,234,567.891"
    assert format_number(Decimal("7"), "en", 2) == "7.00"
    assert format_time(dt.time(14, 30, 15), "zh") == "14:30:15"
    naive_utc = dt.datetime(2024, 12, 31, 20, 0)                 # stored naive UTC: already Jan 1 in Shanghai
    assert format_datetime(naive_utc, "zh", ZoneInfo("Asia/Shanghai")) == "2025年1月1日 04:00"
    assert format_datetime(naive_utc, "en", ZoneInfo("America/New_York"), seconds=True) == \
        f"Dec 31, 2024, 3:00:00{NNBSP}PM"
