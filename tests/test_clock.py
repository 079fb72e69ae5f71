"""The platform's clock: fixed for one context only, stepped by a replay, real otherwise."""
import datetime as dt
import threading

from engines.common import clock
from engines.expr import compile_expression

UTC = dt.timezone.utc


def test_a_fixed_clock_is_seen_by_expressions_and_only_in_its_own_thread():
    moment = dt.datetime(2026, 7, 1, 16, 30, tzinfo=UTC)        # 00:30 on 2 July in Shanghai
    seen = {}
    with clock.fixed_at(moment):
        assert compile_expression("today()", {}).evaluate({}) == dt.date(2026, 7, 2)
        other = threading.Thread(target=lambda: seen.setdefault("other", clock.now()))
        other.start()
        other.join()
    assert abs(seen["other"] - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)   # the real time there
    assert abs(clock.now() - dt.datetime.now(UTC)) < dt.timedelta(minutes=5)     # and here again


def test_a_stepped_clock_moves_and_then_reads_what_it_read_before():
    outer = dt.datetime(2026, 1, 1, tzinfo=UTC)
    with clock.fixed_at(outer):
        with clock.stepped() as step:
            step(dt.datetime(2026, 7, 3, 2))
            assert clock.utcnow_naive() == dt.datetime(2026, 7, 3, 2)
            step(dt.datetime(2026, 7, 4, 2))
            assert clock.now() == dt.datetime(2026, 7, 4, 2, tzinfo=UTC)
        assert clock.now() == outer
