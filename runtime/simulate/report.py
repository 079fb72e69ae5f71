"""The simulation's report: actual against simulated, as plain JSON (points as numbers, money as a
decimal string)."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from runtime.simulate.measure import MAX_LISTED

LARGEST = 20


def point_value(text: str) -> Decimal | None:
    """The cash value of one point as given (`--point-value`, the page's field): an amount of zero or
    more, or None."""
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return None
    return amount if amount.is_finite() and amount >= 0 else None


def compare(actual, simulated, scratch_id, point_value: Decimal) -> dict:
    """`scratch_id(live_id)`: an account's id in the simulated world (a replay that creates other
    records may number new ones differently); members are reported by their live ids."""
    totals = {"actual": actual.totals(point_value), "simulated": simulated.totals(point_value)}
    totals["change"] = {k: totals["simulated"][k] - totals["actual"][k] for k in totals["actual"]}
    tiers, differences = [], []
    for live_id, level in actual.tier_of.items():
        sid = scratch_id(live_id)
        other = simulated.tier_of.get(sid)
        if other != level:
            tiers.append({"member": live_id, "name": actual.names.get(live_id), "actual": level, "simulated": other})
        a, s = actual.net.get(live_id, 0), simulated.net.get(sid, 0)
        if a != s:
            differences.append({"member": live_id, "name": actual.names.get(live_id), "actual": a, "simulated": s,
                                "difference": s - a})
    differences.sort(key=lambda d: (-abs(d["difference"]), d["member"]))
    return _plain({
        "totals": totals,
        "days": _side_by_side(actual.days, simulated.days),
        "tiers": _side_by_side(actual.tiers, simulated.tiers),
        "tier_changes": {"count": len(tiers), "members": tiers[:MAX_LISTED]},
        "largest_differences": differences[:LARGEST],
        "members_differing": len(differences),
        "messages": {"actual": actual.message_count, "simulated": simulated.message_count,
                     "would_send": simulated.messages},
        "failed_rules": {"actual": actual.failures, "simulated": simulated.failures},
    })


def _side_by_side(actual: dict, simulated: dict) -> list[dict]:
    keys = sorted(set(actual) | set(simulated), key=lambda k: (k is None, str(k)))
    empty = {"issued": 0, "spent": 0, "expired": 0}
    return [{"key": k, "actual": dict(actual.get(k, empty)), "simulated": dict(simulated.get(k, empty))}
            for k in keys]


def _plain(value):
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() and value.as_tuple().exponent >= 0 else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
