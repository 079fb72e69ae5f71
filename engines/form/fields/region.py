"""Chinese administrative regions as "省/市/区" text, e.g. "广东省/深圳市/南山区".

The province is checked against the 34 provincial-level divisions (short forms such as "广东" or
"内蒙古" are expanded); city and district are free text, as their lists change every year.
"""
from __future__ import annotations

import re
from types import MappingProxyType

from engines.common.labels import Label, msg
from engines.form.fields.base import FieldError, FieldType, is_blank

PROVINCES = (
    "北京市", "天津市", "上海市", "重庆市",
    "河北省", "山西省", "辽宁省", "吉林省", "黑龙江省", "江苏省", "浙江省", "安徽省", "福建省",
    "江西省", "山东省", "河南省", "湖北省", "湖南省", "广东省", "海南省", "四川省", "贵州省",
    "云南省", "陕西省", "甘肃省", "青海省", "台湾省",
    "内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区",
    "香港特别行政区", "澳门特别行政区",
)
_SUFFIX = re.compile(r"(省|市|壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区)$")
# full name and short form ("广西") -> full name
_BY_NAME = MappingProxyType({**{_SUFFIX.sub("", p): p for p in PROVINCES}, **{p: p for p in PROVINCES}})
_PARTS = msg("must be province/city/district, e.g. 广东省/深圳市/南山区",
             "必须是“省/市/区”，例如 广东省/深圳市/南山区")


class RegionField(FieldType):
    name = "region"
    label = Label(zh="地区", en="Region")
    widget = "region"
    searchable = True
    filter_ops = ("eq", "ne", "contains", "in", "isnull")

    def parse(self, field, raw):
        if isinstance(raw, dict):
            parts = [raw.get("province"), raw.get("city"), raw.get("district")]
        elif isinstance(raw, (list, tuple)):
            parts = list(raw)
        elif isinstance(raw, str):
            parts = re.split(r"\s*[/／]\s*|\s+", raw.strip())
        else:
            raise FieldError(_PARTS)
        while parts and is_blank(parts[-1]):
            parts.pop()
        # a gap (a district without a city) or a fourth level cannot be stored unambiguously
        if not parts or len(parts) > 3 or any(is_blank(p) or not isinstance(p, str) or "/" in p
                                              for p in parts):
            raise FieldError(_PARTS)
        parts = [p.strip() for p in parts]
        province = _BY_NAME.get(parts[0])
        if province is None:
            raise FieldError(msg(f"unknown province '{parts[0]}'", f"未知的省份“{parts[0]}”"))
        return "/".join([province, *parts[1:]])

    def province(self, value: str | None) -> str | None:
        return value.split("/", 1)[0] if value else None

    def filter_value(self, field, op, raw):
        return str(raw).strip() if op == "contains" else self.parse(field, raw)

    def json_schema(self, field):
        return {"type": "string", "examples": ["广东省/深圳市/南山区"],
                "description": "province/city/district; the province is a full official name"}


FIELD_TYPE = RegionField
