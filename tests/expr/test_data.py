"""Data functions and link traversal against a real small app, on the caller's connection."""
import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa

from engines.expr import EvalContext, ExpressionError, compile_expression
from engines.form.row_filter import field_scope

CLUB = """
app: club
title: {zh: 俱乐部, en: Club}
roles: [staff]
tables:
  tiers:
    title_field: name
    fields:
      name: {type: text, required: true}
      rate: {type: decimal}
  members:
    title_field: name
    fields:
      name: {type: text, required: true}
      tier: {type: link, table: tiers}
      birthday: {type: date}
  orders:
    fields:
      member: {type: link, table: members, required: true}
      amount: {type: money}
      status: {type: select, options: [pending, completed], default: pending}
  check_ins:
    fields:
      member: {type: link, table: members, required: true}
      day: {type: date}
"""


@pytest.fixture
def club(make_platform):
    inst = make_platform(CLUB).apps["club"]
    rec = inst.records
    gold = rec.create("tiers", {"name": "gold", "rate": "1.5"})
    ann = rec.create("members", {"name": "Ann", "tier": gold["id"]})
    bob = rec.create("members", {"name": "Bob"})
    for member, amount, status in ((ann, "120.50", "completed"), (ann, "80", "completed"),
                                   (ann, "999", "pending"), (bob, "10", "completed")):
        rec.create("orders", {"member": member["id"], "amount": amount, "status": status})
    rec.create("check_ins", {"member": ann["id"], "day": "2024-05-01"})
    rec.create("check_ins", {"member": ann["id"], "day": "2024-05-02"})
    return inst


def compiled(club, source, table="orders"):
    tables = club.form.tables
    return compile_expression(source, {"record": lambda: field_scope(tables, table)}, tables=tables)


def run(club, source, record, table="orders"):
    with club.form.engine.connect() as conn:
        context = EvalContext(form=club.form, connection=conn)
        return compiled(club, source, table).evaluate({"record": context.view(table, record)},
                                                      context=context)


def an_order(club, member_name="Ann"):
    with club.form.engine.connect() as conn:
        members = club.form.sql["members"]
        mid = conn.execute(sa.select(members.c.id).where(members.c.name == member_name)).scalar()
    return {"id": 999, "member": mid, "amount": Decimal("100"), "status": "completed"}


def test_aggregates_are_single_parameterised_queries(club):
    order = an_order(club)
    assert run(club, "count('check_ins', member=record.member)", order) == 2
    assert run(club, "count('check_ins', member=record.member, day=today())", order) == 0
    assert run(club, "sum('orders', 'amount', member=record.member, status='completed')", order) \
        == Decimal("200.50")
    assert run(club, "sum('orders', 'amount', member=record.member, status=['completed', 'pending'])",
               order) == Decimal("1199.50")
    assert run(club, "sum('orders', 'amount', status='nothing')", order) == 0
    assert run(club, "exists('orders', member=record.member, status='pending')", order) is True
    bob = an_order(club, "Bob")
    assert run(club, "exists('orders', member=record.member, status='pending')", bob) is False
    assert run(club, "lookup('members', name='Bob', get='name')", order) == "Bob"
    assert run(club, "lookup('members', name='Nobody', get='name')", order) is None
    assert run(club, "lookup('members', name='Ann').tier.name", order) == "gold"
    assert run(club, "lookup('orders', status='pending', get='member').name", order) == "Ann"
    assert run(club, "record.member == lookup('members', name='Ann')", order) is True   # same record


def test_aggregates_read_the_writers_own_transaction(club):
    """The rules engine passes its Writer's connection: today's uncommitted check-in is counted."""
    mid = an_order(club)["member"]
    expression = compiled(club, "count('check_ins', member=record.member, day=today())")

    class Rollback(Exception):
        pass

    with pytest.raises(Rollback):
        with club.records.unit_of_work() as writer:
            context = EvalContext(form=club.form, connection=writer.conn)
            writer.create("check_ins", {"member": mid, "day": dt.datetime.now(context.timezone).date()})
            assert expression.evaluate({"record": context.view("orders", {"id": 1, "member": mid})},
                                       context=context) == 1
            raise Rollback
    with club.form.engine.connect() as conn:
        context = EvalContext(form=club.form, connection=conn)
        assert expression.evaluate({"record": context.view("orders", {"id": 1, "member": mid})},
                                   context=context) == 0


@pytest.mark.parametrize("source, message", [
    ("count('check_in', member=1)", "unknown table 'check_in' (did you mean 'check_ins'?)"),
    ("count('check_ins', membr=1)", "table 'check_ins' has no field 'membr' (did you mean 'member'?)"),
    ("sum('orders', 'amont')", "has no field 'amont' (did you mean 'amount'?)"),
    ("lookup('members', name='x', get='nam')", "has no field 'nam' (did you mean 'name'?)"),
    ("sum('orders')", "sum() needs a table and a field"),
    ("count()", "count() needs the table name first"),
])
def test_literal_names_are_checked_at_compile_time(club, source, message):
    with pytest.raises(ExpressionError) as exc:
        compiled(club, source)
    assert message in str(exc.value)


def test_data_functions_need_a_context_and_a_connection(club):
    expression = compiled(club, "count('orders')")
    with pytest.raises(ExpressionError, match="not available here"):
        expression.evaluate({"record": {}})
    with pytest.raises(ExpressionError, match="needs a database connection"):
        expression.evaluate({"record": {}}, context=EvalContext(form=club.form))


def count_queries(engine):
    seen = []
    def seen_select(conn, cursor, statement, *rest):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)
    sa.event.listen(engine, "before_cursor_execute", seen_select)
    return seen


def test_links_load_lazily_once_per_target(club):
    """100 events for the same member: one query for the member, one for its tier."""
    order = an_order(club)
    expression = compiled(club, "record.member.tier.name == 'gold' and record.amount >= 100")
    untouched = compiled(club, "record.amount >= 100 and record.member != None")
    with club.form.engine.connect() as conn:
        context = EvalContext(form=club.form, connection=conn)
        queries = count_queries(club.form.engine)
        assert all(untouched.evaluate({"record": context.view("orders", dict(order))}, context=context)
                   for _ in range(10))
        assert queries == []                     # a link never followed costs nothing
        assert all(expression.evaluate({"record": context.view("orders", dict(order, id=i))},
                                       context=context) for i in range(100))
        assert len(queries) == 2


def test_links_of_many_records_load_in_one_batch(club):
    with club.form.engine.connect() as conn:
        orders = [dict(r) for r in conn.execute(sa.select(club.form.sql["orders"])).mappings()]
        context = EvalContext(form=club.form, connection=conn)
        views = context.views("orders", orders)          # announces both members
        queries = count_queries(club.form.engine)
        names = [compiled(club, "record.member.name").evaluate({"record": v}, context=context)
                 for v in views]
    assert names == ["Ann", "Ann", "Ann", "Bob"]
    assert len(queries) == 1


def test_a_missing_link_target_is_an_error_naming_it(club):
    with pytest.raises(ExpressionError, match="members #12345 does not exist"):
        run(club, "record.member.name", {"id": 1, "member": 12345})
    assert run(club, "record.member == None", {"id": 1, "member": None}) is True
