"""`tessera simulate`: what a new definition's rules would have done over a past period."""
from __future__ import annotations

import datetime as dt
import gc
import json
import sys

import click

from builder import BuildFailed
from runtime.appfiles import default_apps
from runtime.simulate.report import point_value


GC_THRESHOLDS = (100_000, 50, 1000)       # Python's default: (700, 10, 10)


def _date(_ctx, param, value):
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date such as 2026-07-01", param=param) from None


def _money(_ctx, param, value):
    amount = point_value(value)
    if amount is None:
        raise click.BadParameter(f"'{value}' is not an amount of money such as 0.01 (zero or more)", param=param)
    return amount


@click.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--app", "app_name", required=True, help="the app simulated")
@click.option("--definition", required=True, type=click.Path(exists=True, dir_okay=False),
              help="the new definition file (NEW.yaml) whose rules are replayed")
@click.option("--from", "first", required=True, callback=_date, help="first day (in the app's zone), 2026-07-01")
@click.option("--to", "last", required=True, callback=_date, help="last day, included, 2026-09-30")
@click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
              show_default=True, help="the live database (only read)")
@click.option("--point-value", default="0.01", show_default=True, callback=_money,
              help="cash value of one point, for the liability")
@click.option("--tier-field", default="tier", show_default=True, help="the accounts' tier field")
@click.option("--ledger", help="the ledger table measured (default: the app's first)")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="write the JSON report here (default: stdout)")
@click.option("--keep", type=click.Path(dir_okay=False),
              help="keep the replayed scratch copy (an SQLite file) here, to look into the simulated world")
@click.option("--no-quick", "no_quick", is_flag=True,
              help="replay every event through the record service (slower; the quick replay is held equal to it)")
def simulate(files, app_name, definition, first, last, database_url, point_value, tier_field, ledger, output, keep,
             no_quick):
    """Replay a period's recorded events through NEW.yaml's rules on a scratch copy and report what
    would have differed (JSON). FILES: the live definitions (default apps/*.yaml)."""
    from runtime.simulate.errors import SimulationError
    from runtime.simulate.run import simulate as run_simulation

    # This process does nothing else: the cycle collector need not scan the rows the replay holds
    # every 700 allocations (a few per cent of a long replay); the server's simulations keep its setting.
    gc.set_threshold(*GC_THRESHOLDS)
    try:
        report = run_simulation(database_url, list(files) or default_apps(), app_name, definition, first, last,
                                point_value=point_value, tier_field=tier_field, ledger=ledger, keep=keep,
                                quick=not no_quick)
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(1)
    except SimulationError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    text = json.dumps(report, ensure_ascii=False, indent=1)
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
        totals = report["totals"]
        click.echo(f"wrote {output}: issued {totals['actual']['issued']} -> {totals['simulated']['issued']}, "
                   f"outstanding change {totals['change']['outstanding']}, "
                   f"{report['events']['refused']} event(s) refused, {report['events']['quick']} replayed quick")
    else:
        click.echo(text)
