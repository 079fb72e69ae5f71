"""`tessera import` and `tessera export`: one table's records from and to CSV / XLSX files
(engines/form/transfer). Both write as the system, with source "import" in the audit log; every
refusal is one line on stderr and exit status 1 (2 when the database or definitions cannot be read)."""
from __future__ import annotations

import contextlib
import os
import sys

import click
import sqlalchemy as sa

from builder import BuildFailed
from runtime.appfiles import default_apps

_DB = click.option("--db", "database_url", envvar="TESSERA_DATABASE_URL", default="sqlite:///var/tessera.db",
                   show_default=True, help="database URL (sqlite:///file.db or postgresql://...)")
_DEFS = click.option("-d", "--definition", "definitions", multiple=True, type=click.Path(),
                     help="app definition file(s) (default: apps/*.yaml)")


@click.command("import")
@click.argument("app_name", metavar="APP")
@click.argument("table")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--mode", type=click.Choice(["insert", "update", "upsert"]), default="insert", show_default=True)
@click.option("--key", help="the unique field (or id) that finds the record to update (update, upsert)")
@click.option("--dry-run", is_flag=True, help="check every row and report the bad ones; write nothing")
@click.option("--no-rules", is_flag=True, help="do not run the app's rules on the imported records")
@click.option("--map", "maps", multiple=True, metavar="COL=FIELD",
              help="fill FIELD from column COL (header, number or letter); COL= ignores the column")
@click.option("--resume", "resume", type=int, metavar="JOB", help="continue job JOB after its last committed row")
@click.option("--chunk", type=click.IntRange(1, 100000), default=None,
              help="rows per transaction (default 500; 5000 on the bulk path, an insert with --no-rules)")
@click.option("--fast", is_flag=True, hidden=True,
              help="accepted and ignored: an insert with --no-rules always takes the bulk path")
@click.option("--failed", "failed_out", type=click.Path(dir_okay=False),
              help="write the rows that failed (with an error column) to this CSV file")
@_DB
@_DEFS
def import_(app_name, table, file, mode, key, dry_run, no_rules, maps, resume, chunk, fast, failed_out,
            database_url, definitions):
    """Import FILE (.csv or .xlsx) into TABLE of APP, as a job that can be resumed after a crash."""
    from engines.form.transfer import service
    from engines.form.transfer.columns import parse_map_options
    from engines.form.transfer.jobs import Jobs

    with _platform(database_url, definitions) as platform, _refusals():
        inst = _app(platform, app_name)
        jobs = Jobs(inst.form)
        sheet = None
        if resume is not None:
            job = jobs.get(resume)
            if job is None or job["tbl"] != table:
                raise click.ClickException(f"no import job {resume} for {app_name}.{table}")
            if os.path.abspath(file) != job["path"]:
                click.echo(f"note: job {resume} reads {job['path']}", err=True)
            job_id = resume
        else:
            job_id, sheet = service.prepare_sheet(inst, table, os.path.abspath(file), os.path.basename(file),
                                                  mode=mode, key=key, explicit=parse_map_options(maps),
                                                  rules=not no_rules, chunk=chunk)
            job = jobs.get(job_id)
        _show_mapping(job)
        click.echo(f"import job {job_id}" + (f": resuming after row {job['last_row']}" if resume else ""))
        total = job["total"]
        done_before = max(0, job["last_row"] - 1) if resume else 0
        with click.progressbar(length=total or 0, label="checking" if dry_run else "importing",
                               show_pos=True, file=sys.stderr) as bar:
            bar.update(done_before)
            seen = [done_before]

            def progress(out):
                step = out.processed + done_before - seen[0]
                seen[0] += step
                bar.update(step)

            if dry_run:
                out = service.check(inst, job_id, progress=progress)
            else:       # the sheet prepare read: an XLSX is read once
                out = service.run(inst, job_id, progress=progress, sheet=sheet)
        job = jobs.get(job_id)
        for e in jobs.failures(job_id, dry=dry_run, limit=200):
            click.echo(f"row {e.row}" + (f", column '{e.column}'" if e.column else "")
                       + (f", value '{e.value}'" if e.value else "") + f": {e.reason.en}")
        if job["failed"] > 200:
            click.echo(f"... and more: {job['failed']} row(s) failed in all")
        if failed_out and job["failed"]:
            with open(failed_out, "w", encoding="utf-8", newline="") as fh:
                for text in jobs.failed_rows_csv(job_id, job["options"]["headers"], "zh", dry=dry_run):
                    fh.write(text)
            click.echo(f"failed rows written to {failed_out}")
        if dry_run:
            click.echo(f"dry run of job {job_id}: {out.processed} row(s) checked, {out.failed} bad; nothing written")
        else:
            click.echo(f"job {job_id} done: {job['inserted']} inserted, {job['updated']} updated, "
                       f"{job['failed']} failed")
        sys.exit(1 if job["failed"] else 0)


@click.command("export")
@click.argument("app_name", metavar="APP")
@click.argument("table")
@click.option("--filter", "filters", multiple=True, metavar="FIELD[__OP]=VALUE",
              help="the list page's filters, e.g. tier=vip or points__gte=100")
@click.option("--q", "search", help="the list page's search text")
@click.option("--sort", help="a field, '-' first for descending (default -id)")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "csv"]), default=None,
              help="default: from the output file's extension")
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="the headers' language")
@_DB
@_DEFS
def export(app_name, table, filters, search, sort, fmt, output, lang, database_url, definitions):
    """Export TABLE of APP (with the list page's filters) to a CSV or XLSX file."""
    from engines.form.query import ListRequest
    from engines.form.transfer.export import write_csv, write_xlsx

    fmt = fmt or os.path.splitext(output)[1].lstrip(".").lower()
    if fmt not in ("csv", "xlsx"):
        raise click.UsageError("say --format csv or xlsx (or name the output .csv / .xlsx)")
    with _platform(database_url, definitions) as platform, _refusals():
        inst = _app(platform, app_name)
        if table not in inst.form.tables:
            raise click.ClickException(f"no table '{table}' in app '{app_name}'")
        args = {}
        for item in filters:
            name, sep, value = item.partition("=")
            if not sep:
                raise click.UsageError(f"--filter '{item}': write FIELD=VALUE or FIELD__OP=VALUE")
            args[name.strip()] = value
        if search:
            args["q"] = search
        if sort:
            args["sort"] = sort
        t = inst.form.tables[table]
        req = ListRequest.parse(inst.form, t, args)
        count = _count(inst, t, req)
        with click.progressbar(length=count, label="exporting", show_pos=True, file=sys.stderr) as bar:
            n = (write_csv if fmt == "csv" else write_xlsx)(inst.form, t, req, lang, output, progress=bar.update)
        click.echo(f"exported {n} record(s) to {output}")


def _count(inst, t, req) -> int:
    from engines.form.query import where_clause

    sql = inst.form.sql[t.name]
    stmt = sa.select(sa.func.count()).select_from(sql)
    where = where_clause(inst.form, t, req)
    with inst.form.engine.connect() as conn:
        return conn.execute(stmt if where is None else stmt.where(where)).scalar_one()


def _show_mapping(job) -> None:
    headers = job["options"]["headers"]
    for i, name in sorted(job["options"]["mapping"].items(), key=lambda kv: int(kv[0])):
        if name is None and headers[int(i)]:
            click.echo(f"note: column '{headers[int(i)]}' matches no field: ignored "
                       f"(--map '{headers[int(i)]}=FIELD' to import it)", err=True)


def _app(platform, name):
    if name not in platform.apps:
        raise click.ClickException(f"no app '{name}' (apps: {', '.join(platform.apps)})")
    return platform.apps[name]


@contextlib.contextmanager
def _platform(database_url, definitions):
    from runtime.platform import Platform

    try:
        platform = Platform.from_files(list(definitions) or default_apps(), database_url)
    except BuildFailed as exc:
        for err in exc.errors:
            click.echo(str(err), err=True)
        sys.exit(2)
    except sa.exc.DBAPIError as exc:
        click.echo(f"error: cannot open the database ({exc.orig})", err=True)
        sys.exit(2)
    try:
        yield platform
    finally:
        platform.dispose()


@contextlib.contextmanager
def _refusals():
    """A refusal of the engine (a bad file, mapping or query) as one line, never a traceback."""
    from engines.form.errors import RecordError

    try:
        yield
    except RecordError as exc:
        detail = "; ".join(f"{k}: {v.en}" for k, v in exc.fields.items())
        click.echo(f"error: {exc.message.en}" + (f" ({detail})" if detail else ""), err=True)
        sys.exit(1)
