import pytest


@pytest.fixture
def status(make_field, option):
    return make_field("select", options=[option("todo", "待办", "To do"), option("done", "完成", "Done")])


@pytest.mark.parametrize("raw, key", [("todo", "todo"), ("完成", "done"), ("Done", "done"), ("DONE", "done"),
                                      (" done ", "done"), ("待办", "todo")])
def test_select_accepts_key_or_label(types, status, raw, key):
    assert types["select"].coerce(status, raw) == key


def test_select_validate_refuses_unknown(types, status, refusal):
    ft = types["select"]
    ft.validate(status, "todo")
    assert refusal(ft, status, ft.coerce(status, "nope"), step="validate") == "'nope' is not one of the options"


def test_select_output(types, status):
    ft = types["select"]
    assert ft.display(status, "done") == "完成"
    assert ft.display(status, "done", "en") == "Done"
    assert ft.display(status, "gone") == "gone"
    assert ft.to_json(status, "done") == "done"
    assert ft.json_schema(status) == {"type": "string", "enum": ["todo", "done"]}
    assert ft.filter_value(status, "eq", "完成") == "done"
    assert set(ft.filter_ops) == {"eq", "ne", "in", "isnull"}


def test_select_prepare_needs_options(types, make_field, compile_ctx, status):
    ctx, problems = compile_ctx({}, "t")
    types["select"].prepare(status, ctx)
    types["select"].prepare(make_field("select"), ctx)
    assert problems == [(("options",), "a select field needs options")]
