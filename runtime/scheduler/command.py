"""`tessera scheduler`: the one scheduler process of a production run, or one pass of it.

    tessera scheduler [FILES...] [--db URL]     run until SIGTERM / Ctrl+C (the running job finishes)
    tessera scheduler --once                    run every job that is due now, then exit
    tessera scheduler --run JOB_ID              run one job now, then exit
    tessera scheduler --list                    the jobs, their next firing and their last run

FILES and --db as for `tessera run` (default apps/*.yaml, TESSERA_DATABASE_URL). Mistakes are one
`error:` line on stderr and exit status 1; a job that fails under --once or --run makes it 1 as well.
"""
from __future__ import annotations

import datetime as dt
import logging
import signal
import sys
import threading

import click
import sqlalchemy as sa

from builder import BuildFailed
from engines.common.problems import did_you_mean
from runtime.appfiles import default_apps
from runtime.database import shown_url
from runtime.lifecycle import LifecycleError

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@click.command()
@click.argument("files", nargs=-1, type=click.Path())
@click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
              show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
@click.option("--media", envvar="TESSERA_MEDIA_DIR", default="var/media", show_default=True)
@click.option("--once", is_flag=True, help="run every job that is due now (not yet run), then exit")
@click.option("--run", "job_id", metavar="JOB_ID", help="run this one job now, then exit")
@click.option("--list", "show_list", is_flag=True, help="print the jobs with their next firing, then exit")
def scheduler(files, database_url, media, once, job_id, show_list):
    """Run the scheduled jobs (default: until SIGTERM or Ctrl+C). Run exactly one such process per
    database; a second one is harmless (each firing runs once), but useless."""
    if sum((once, job_id is not None, show_list)) > 1:
        raise click.UsageError("give at most one of --once, --run, --list")
    from runtime.platform import Platform   # here, not at the top: `tessera --help` stays quick
    from runtime.scheduler.registry import JobError, collect_jobs

    logging.basicConfig(level=logging.WARNING, format=LOG_FORMAT, stream=sys.stderr)
    stop = threading.Event()
    if not (once or job_id or show_list):   # the long-running process logs every firing
        logging.getLogger("tessera.scheduler").setLevel(logging.INFO)
        for sig in (signal.SIGTERM, signal.SIGINT):   # from the start: a stop while loading is clean too
            signal.signal(sig, lambda *_: stop.set())
    platform = None
    try:
        platform = Platform.from_files(list(files) or default_apps(), database_url, media)
        jobs = collect_jobs(platform)
        if show_list:
            _list(platform, jobs)
        elif once or job_id:
            sys.exit(_one_pass(platform, jobs, job_id))
        else:
            _serve(platform, jobs, database_url, stop)
    except BuildFailed as exc:
        _fail(*(str(err) for err in exc.errors))
    except LifecycleError as exc:      # a definition that would remove or convert data
        _fail(*exc.lines, f"error: {exc}")
    except JobError as exc:
        _fail(*(f"error: {line}" for line in str(exc).splitlines()))
    except sa.exc.SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        _fail(f"error: database {shown_url(database_url)}: {reason}")
    finally:
        if platform is not None:
            platform.dispose()


def _one_pass(platform, jobs, job_id) -> int:
    from runtime.scheduler.runner import FAILED, Runner
    from runtime.scheduler.triggers import UTC

    runner = Runner(platform)
    if job_id is not None:
        if job_id not in jobs:
            _fail(f"error: no job '{job_id}'{did_you_mean(job_id, jobs)}; `tessera scheduler --list` shows them")
        outcomes = [runner.run_now(jobs[job_id])]
    else:
        now = dt.datetime.now(UTC)
        outcomes = [runner.run_due(job, now) for job in jobs.values()]
    for outcome in outcomes:
        click.echo(outcome.line())
    return 1 if any(o.status == FAILED for o in outcomes) else 0


def _list(platform, jobs) -> None:
    from runtime.scheduler import runs
    from runtime.scheduler.triggers import UTC, fire_key, next_fire_time, to_apscheduler

    last = runs.latest(platform)
    now = dt.datetime.now(UTC)
    width = max((len(j) for j in jobs), default=0)
    for job in jobs.values():
        upcoming = next_fire_time(to_apscheduler(job.trigger), now)
        row = last.get(job.id)
        click.echo(f"{job.id.ljust(width)}  {job.trigger.describe()}  "
                   f"next {fire_key(upcoming) if upcoming else 'never'}  "
                   f"last {f'{row.status} @ {row.fire_key}' if row else 'never'}")
        if job.description:
            click.echo(f"{''.ljust(width)}  {job.description}")


def _serve(platform, jobs, database_url, stop: threading.Event) -> None:
    from runtime.scheduler.process import serve

    for note in platform.skipped:
        click.echo(f"note: {note}")
    click.echo(f"Tessera scheduler: {len(jobs)} job(s), apps: {', '.join(platform.apps) or 'none'}; "
               f"database: {shown_url(database_url)}. Stop with SIGTERM or Ctrl+C.")
    serve(platform, jobs, stop)
    click.echo("Tessera scheduler stopped.")


def _fail(*lines: str) -> None:
    for line in lines:
        click.echo(line, err=True)
    sys.exit(1)
