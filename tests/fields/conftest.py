"""Helpers for field-type tests: build Field objects and compile contexts directly."""
from __future__ import annotations

from types import MappingProxyType

import pytest

from engines.common.labels import Label
from engines.expr.compiler import compile_expression
from engines.form.fields import CompileContext, FieldError, field_types
from engines.form.model import Field, Option


def _make_field(type_: str, name: str = "x", settings: dict | None = None, options=(), **kw) -> Field:
    return Field(name=name, type=type_, label=Label.of(None, name),
                 settings=MappingProxyType(dict(settings or {})), options=tuple(options), **kw)


@pytest.fixture
def make_field():
    """make_field("money", settings={"currency": "USD"}, min=0) -> Field."""
    return _make_field


@pytest.fixture
def option():
    """option("done", "完成", "Done") -> Option."""
    return lambda key, zh, en=None: Option(key=key, label=Label(zh=zh, en=en or zh))


@pytest.fixture
def refusal():
    """refusal(ftype, field, raw) -> the English message of the FieldError that coerce raises."""
    def check(ftype, field, raw, step="coerce"):
        with pytest.raises(FieldError) as info:
            if step == "validate":
                ftype.validate(field, raw)
            else:
                ftype.coerce(field, raw)
        assert info.value.message.zh, "every message needs a Chinese text too"
        return info.value.message.en
    return check


@pytest.fixture
def compile_ctx():
    """compile_ctx(tables, table) -> (CompileContext with ctx.table set, list of (path, message))."""
    def build(tables: dict, table: str | None = None):
        problems: list = []
        ctx = CompileContext(tables=tables, report=lambda p, m: problems.append((p, m)),
                             compile_expression=compile_expression)
        ctx.table = table
        return ctx, problems
    return build


@pytest.fixture
def types():
    return field_types()
