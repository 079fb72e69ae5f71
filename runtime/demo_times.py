"""When a demo row happened: its time fields, after the records it links to, and a ledger credit's
expiry a year on (runtime/demo.py)."""
from __future__ import annotations

import datetime as dt


def expiring(t, values, moment, zone) -> dict:
    """A ledger credit given by hand expires a year after it was given (as the rules' credits do), not
    on a random day of the past year: the expiry job would take a third of the demo's points at start."""
    name = t.ledger.expires if t.ledger is not None else None
    if name and values.get(name) is not None:
        later = moment + dt.timedelta(days=365)
        values[name] = (later.astimezone(zone).date().isoformat() if t.fields[name].type == "date"
                        else later.isoformat())
    return values


def times_at(t, kept, moment, zone) -> dict:
    """The row's time fields, all at `moment` (a date: its day in the app's zone)."""
    return {name: moment.astimezone(zone).date().isoformat() if t.fields[name].type == "date" else moment.isoformat()
            for name in kept}


def setup_table(t) -> bool:
    return not time_fields(t) and not any(f.type in ("link", "multi_link") for f in t.fields.values())


def time_fields(t) -> list[str]:
    """The fields that say when a row happened, best first: the times (or dates) that default to now
    (today), then the other datetimes (a task's completed_at)."""
    times = [n for n, f in t.fields.items() if f.type in ("datetime", "date") and f.default in ("now", "today")]
    return times + [n for n, f in t.fields.items() if f.type == "datetime" and n not in times]


def after_links(t, times, values, born, gen, zone) -> dt.datetime | None:
    """A row happens after the records it links to were made (an order after its member signed up):
    its times before the latest of them are drawn again between that moment and now. Otherwise the
    history would not hold together: rewound to a day between the two (`tessera simulate`), the order
    would link to a member not there yet."""
    made = made_by(t, values, born)
    if made == EPOCH:
        return None
    floor = made + dt.timedelta(minutes=1)
    for name in times:
        moment = moment_of(t, [name], values, zone)
        if moment is None or moment >= floor:
            continue
        again = between(gen, floor)
        if t.fields[name].type == "date":        # noon of its day (as _moment reads it), on or after floor
            day = again.astimezone(zone).date()
            values[name] = (day if dt.datetime.combine(day, dt.time(12), zone) >= floor
                            else day + dt.timedelta(days=1)).isoformat()
        else:
            values[name] = again.isoformat()
    return floor


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)


def made_by(t, values, born) -> dt.datetime:
    """When the latest of the records the row links to was made (EPOCH: it links to none)."""
    made = [born[f.table].get(v) for name, f in t.fields.items() if f.type in ("link", "multi_link")
            for v in (values.get(name) if f.type == "multi_link" else [values.get(name)]) or ()]
    made = [m.replace(tzinfo=dt.timezone.utc) if m.tzinfo is None else m for m in made if m is not None]
    return max(made, default=EPOCH)


def between(gen, floor: dt.datetime) -> dt.datetime:
    return floor + (gen.now - floor) * gen.rng.random() if gen.now > floor else floor


def moment_of(t, times, values, zone) -> dt.datetime | None:
    """When the row happened: its first time field with a value (a date at noon)."""
    for name in times:
        f, value = t.fields[name], values.get(name)
        if value is None:
            continue
        if f.type == "date":
            return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12), zone)
        moment = dt.datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=zone)
    return None
