"""The report engine's part of the definition schema: `datasets` and `dashboards`."""
from __future__ import annotations

from engines.report.charts import CHART_TYPES
from engines.report.kpis import KPIS
from engines.report.model import BUCKETS, RANGES

NAME = r"^[a-z][a-z0-9_]{0,62}$"
AGGREGATES = ("count", "distinct", "sum", "avg", "min", "max")
_TEXT = {"type": "string", "maxLength": 200}


def schema_part() -> tuple[dict, dict]:
    measure = {
        "x-expected": "a measure: count, or a mapping with one of count, distinct, sum, avg, min, max, "
                      "ratio, running, change, kpi",
        "anyOf": [
            {"type": "string", "enum": ["count"]},
            {"type": "object", "additionalProperties": True, "minProperties": 1,
             "properties": {
                 "count": {"type": ["boolean", "string"], "description": "true: rows; a field: rows where it is set"},
                 "distinct": {**_TEXT, "description": "how many different values of this field"},
                 **{k: {**_TEXT, "description": f"the {k} of a number field"} for k in ("sum", "avg", "min", "max")},
                 "ratio": {"type": "array", "items": {"type": "string"}, "minItems": 2, "maxItems": 2,
                           "description": "[numerator, denominator]: two measures of the dataset"},
                 "running": {**_TEXT, "description": "the running total of a measure over the time buckets"},
                 "change": {**_TEXT, "description": "a measure's change against the previous time bucket"},
                 "kpi": {"type": "string", "enum": sorted(KPIS)},
                 "where": {"type": "string", "maxLength": 2000, "description": "only rows where this holds"},
                 "label": {"$ref": "#/$defs/label"},
                 "format": {"type": "string", "enum": ["number", "percent", "money"]},
                 "scale": {"type": "number"},
             }},
        ]}
    related = {"type": "object", "additionalProperties": False, "required": ["table"],
               "properties": {"table": _TEXT, "link": _TEXT, "count": {"type": "boolean"},
                              **{k: _TEXT for k in ("sum", "avg", "min", "max")},
                              "where": {"type": "string", "maxLength": 2000}}}
    dimension = {"x-expected": "a field name, or {field, part}",
                 "anyOf": [_TEXT, {"type": "object", "additionalProperties": False, "required": ["field"],
                                   "properties": {"field": _TEXT, "part": {"enum": ["province", "city"]},
                                                  "label": {"$ref": "#/$defs/label"}}}]}
    dataset = {"type": "object", "additionalProperties": False, "required": ["table"],
               "properties": {
                   "label": {"$ref": "#/$defs/label"},
                   "table": {**_TEXT, "description": "the table whose records are counted"},
                   "time": {**_TEXT, "description": "the date or datetime field of the date range and time buckets"},
                   "where": {"type": "string", "maxLength": 2000, "description": "only records where this holds"},
                   "related": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 50,
                               "additionalProperties": related},
                   "dimensions": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 100,
                                  "additionalProperties": dimension},
                   "measures": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 100,
                                "additionalProperties": {"$ref": "#/$defs/report_measure"}},
               }}
    names = {"anyOf": [_TEXT, {"type": "array", "items": _TEXT, "maxItems": 12}],
             "x-expected": "a name or a list of names"}
    chart = {"type": "object", "additionalProperties": False, "required": ["type", "dataset"],
             "properties": {
                 "type": {"type": "string", "enum": sorted(CHART_TYPES)},
                 "dataset": _TEXT,
                 "title": {"$ref": "#/$defs/label"},
                 "by": {**names, "description": f"dimensions; {', '.join(BUCKETS)} put the dataset's time in buckets"},
                 "measures": names,
                 "width": {"type": "integer", "minimum": 1, "maximum": 12, "description": "of 12 columns (default 6)"},
                 **{k: v for m in CHART_TYPES.values() for k, v in m.OPTIONS.items()},
             }}
    param = {"type": "object", "additionalProperties": False,
             "properties": {"label": {"$ref": "#/$defs/label"}, "type": {"enum": ["text", "number", "date"]},
                            "default": {"type": ["string", "number", "null"]}}}
    dashboard = {"type": "object", "additionalProperties": False, "required": ["charts"],
                 "properties": {
                     "label": {"$ref": "#/$defs/label"},
                     "roles": {"type": "array", "items": {"type": "string"}, "uniqueItems": True,
                               "description": "who may open it (administrators always may)"},
                     "range": {"type": "string", "enum": list(RANGES), "description": "the date range at first"},
                     "refresh": {"type": "integer", "minimum": 0, "maximum": 86400,
                                 "description": "seconds between automatic refreshes (0: never)"},
                     "filters": {"type": "array", "items": _TEXT, "uniqueItems": True,
                                 "description": "dimensions offered as filters for every chart that has them"},
                     "params": {"type": "object", "propertyNames": {"pattern": NAME}, "additionalProperties": param},
                     "charts": {"type": "object", "propertyNames": {"pattern": NAME}, "minProperties": 1,
                                "maxProperties": 40, "additionalProperties": {"$ref": "#/$defs/report_chart"}},
                 }}
    props = {"datasets": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 200,
                          "additionalProperties": {"$ref": "#/$defs/report_dataset"}},
             "dashboards": {"type": "object", "propertyNames": {"pattern": NAME}, "maxProperties": 100,
                            "additionalProperties": {"$ref": "#/$defs/report_dashboard"}}}
    return props, {"report_measure": measure, "report_dataset": dataset, "report_chart": chart,
                   "report_dashboard": dashboard}
