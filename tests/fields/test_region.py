import pytest

from engines.form.fields.region import PROVINCES


@pytest.mark.parametrize("raw, value", [
    ("广东省/深圳市/南山区", "广东省/深圳市/南山区"), ("广东 深圳市 南山区", "广东省/深圳市/南山区"),
    ("广东省 / 深圳市", "广东省/深圳市"), (["广东", "深圳市"], "广东省/深圳市"),
    ({"province": "内蒙古", "city": "呼和浩特市"}, "内蒙古自治区/呼和浩特市"), ("香港", "香港特别行政区"),
    ("北京/朝阳区", "北京市/朝阳区"), ("广西", "广西壮族自治区"), ("新疆 乌鲁木齐市", "新疆维吾尔自治区/乌鲁木齐市"),
    ({"province": "上海", "city": "上海市", "district": ""}, "上海市/上海市"),
])
def test_region_accepts(types, make_field, raw, value):
    assert types["region"].coerce(make_field("region"), raw) == value


def test_region_knows_all_34_provinces(types, make_field):
    assert len(set(PROVINCES)) == 34
    for province in PROVINCES:
        assert types["region"].coerce(make_field("region"), province) == province


@pytest.mark.parametrize("raw", ["广东/深圳/南山/粤海/x", {"province": "广东", "district": "南山区"}, 12,
                                 ["广东", "深/圳"]])
def test_region_refuses_bad_shapes(types, make_field, refusal, raw):
    assert refusal(types["region"], make_field("region"), raw) == \
        "must be province/city/district, e.g. 广东省/深圳市/南山区"


def test_region_refuses_unknown_province(types, make_field, refusal):
    assert refusal(types["region"], make_field("region"), "火星省/奥林帕斯市") == "unknown province '火星省'"


def test_region_province(types, make_field):
    ft = types["region"]
    assert ft.province("广东省/深圳市/南山区") == "广东省"
    assert ft.province("北京市") == "北京市"
    assert ft.province(None) is None
    assert ft.widget == "region" and ft.searchable
    assert ft.filter_value(make_field("region"), "contains", "深圳") == "深圳"
