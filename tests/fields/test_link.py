from engines.form.fields.link import LinkValue


def test_link_accepts_ids(types, make_field):
    ft, f = types["link"], make_field("link", table="customers")
    assert ft.coerce(f, "12") == 12
    assert ft.coerce(f, {"id": 3, "title": "Ann"}) == 3
    assert ft.coerce(f, LinkValue(5, "Bob")) == 5


def test_link_refuses_non_ids(types, make_field, refusal):
    f = make_field("link", table="customers")
    for raw in ("abc", 0, -1, True):
        assert refusal(types["link"], f, raw) == "must be a record id"


def test_link_output(types, make_field):
    ft, f = types["link"], make_field("link", table="customers")
    assert ft.display(f, LinkValue(5, "Bob")) == "Bob"
    assert ft.display(f, 5) == "#5"
    assert ft.to_json(f, LinkValue(5, "Bob")) == 5


def test_link_prepare_checks_table(types, make_field, compile_ctx):
    ctx, problems = compile_ctx({"customers": {"fields": {}}}, "orders")
    types["link"].prepare(make_field("link", table="customers"), ctx)
    assert problems == []
    types["link"].prepare(make_field("link", table="custmers"), ctx)
    assert problems == [(("table",), "unknown table 'custmers' (did you mean 'customers'?)")]
