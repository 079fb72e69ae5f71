"""The `for_each` and `find_or_create` actions on their own: a loop over the records a filter
matches, with nested steps that see the current record, and a counter row found or made per key."""
import pytest
import sqlalchemy as sa

from builder import BuildFailed, compile_files
from engines.form.errors import RecordError

APP = """
app: club
tables:
  people:
    fields:
      name: {type: text, required: true}
      visits: {type: integer, default: 0}
  badges:
    fields:
      name: {type: text, required: true}
      kind: {type: select, options: [visit, other], default: visit}
      needed: {type: integer, default: 1}
      active: {type: boolean, default: true}
  progress:
    fields:
      person: {type: link, table: people, required: true}
      badge: {type: link, table: badges, required: true}
      period: {type: text}
      count: {type: integer, default: 0}
      done: {type: boolean, default: false}
  visits:
    fields:
      person: {type: link, table: people, required: true}
      bad: {type: boolean, default: false}
rules:
  count_visit:
    when: {created: visits}
    do:
      - for_each:
          table: badges
          where: {active: true, kind: visit}
          if: badge.needed < 100
          as: badge
          do:
            - find_or_create:
                table: progress
                where: {person: =record.person, badge: =badge.id, period: "=None if badge.needed == 1 else 'p1'"}
                values: {count: 0}
              as: row
            - update: {table: progress, id: =row.id, values: {count: =row.count + 1, done: =row.count + 1 >= badge.needed}}
              if: not row.done
            - fail: {zh: 坏, en: bad visit}
              if: record.bad
        as: loop
      - update: {table: people, id: =record.person, values: {visits: =loop.count}}
"""


@pytest.fixture
def club(make_platform):
    return make_platform(APP).apps["club"].records


def rows(r):
    """Every progress record, lowest id first."""
    sql = r.form.sql["progress"]
    with r.form.engine.connect() as conn:
        return [r.get("progress", i) for i in conn.execute(sa.select(sql.c.id).order_by(sql.c.id)).scalars()]


def test_for_each_runs_the_nested_steps_per_matching_record_and_find_or_create_reuses_the_row(club):
    r = club
    p = r.create("people", {"name": "Ann"})
    one = r.create("badges", {"name": "first", "needed": 1})
    three = r.create("badges", {"name": "three", "needed": 3})
    r.create("badges", {"name": "off", "active": False})              # where: not active
    r.create("badges", {"name": "other", "kind": "other"})            # where: another kind
    r.create("badges", {"name": "huge", "needed": 500})               # if: filtered out
    for _ in range(4):
        r.create("visits", {"person": p["id"]})
    got = {(x["badge"], x["period"]): (x["count"], x["done"]) for x in rows(r)}
    assert got == {(one["id"], None): (1, True), (three["id"], "p1"): (3, True)}     # one row per key, stops when done
    assert r.get("people", p["id"])["visits"] == 2                   # `as:` on for_each: how many records it ran for


def test_a_failing_nested_step_refuses_the_whole_write(club):
    r = club
    p = r.create("people", {"name": "Bo"})
    r.create("badges", {"name": "first"})
    with pytest.raises(RecordError) as exc:
        r.create("visits", {"person": p["id"], "bad": True})
    assert exc.value.message.en == "bad visit"
    assert rows(r) == []                                              # the progress row made in the loop is gone too


def test_no_match_runs_nothing(club):
    r = club
    p = r.create("people", {"name": "Cy"})
    r.create("visits", {"person": p["id"]})
    assert rows(r) == [] and r.get("people", p["id"])["visits"] == 0


@pytest.mark.parametrize("step, message", [
    ("{for_each: {table: badgez, as: b, do: [{set: {visits: 1}}]}}", "unknown table 'badgez'"),
    ("{for_each: {table: badges, where: {colour: red}, as: b, do: [{set: {visits: 1}}]}}", "unknown field 'colour'"),
    ("{for_each: {table: badges, as: b, do: [{set: {visits: =c.needed}}]}}",
     "rules.r.do[0].for_each.do[0].set.visits: unknown name 'c'"),
    ("{for_each: {table: badges, as: b, do: [{for_each: {table: people, as: c, do: [{set: {visits: 1}}]}}]}}",
     "for_each.do[0].for_each: unknown key 'for_each'"),                # one level of nesting
    ("{for_each: {table: badges, as: record, do: [{set: {visits: 1}}]}}", "'record' is taken"),
    ("{find_or_create: {table: badges, where: {}}}", "at least one field"),
])
def test_compile_errors_name_the_place(tmp_path, step, message):
    src = APP.split("rules:")[0] + f"""rules:
  r:
    when: {{created: people}}
    do:
      - {step}
"""
    path = tmp_path / "club.yaml"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_files([str(path)])
    assert message in str(exc.value)


def test_the_loop_name_is_not_visible_after_the_loop(tmp_path):
    src = APP.split("rules:")[0] + """rules:
  r:
    when: {created: visits}
    do:
      - for_each: {table: badges, as: badge, do: [{update: {table: people, id: =record.person, values: {visits: 1}}}]}
      - update: {table: people, id: =record.person, values: {visits: =badge.needed}}
"""
    path = tmp_path / "club.yaml"
    path.write_text(src, encoding="utf-8")
    with pytest.raises(BuildFailed) as exc:
        compile_files([str(path)])
    assert "rules.r.do[1].update.values.visits: unknown name 'badge'" in str(exc.value)
