"""An import as a job, the same from the command line and the pages: prepare (read the headers,
match the columns, note the job), check (dry run), run, resume."""
from __future__ import annotations

import logging

from engines.common.labels import msg
from engines.form.errors import RecordError
from engines.form.transfer.columns import match_headers, targets
from engines.form.transfer.importer import Importer, Outcome, Plan
from engines.form.transfer.jobs import Jobs
from engines.form.transfer.sources import format_of, open_sheet

log = logging.getLogger("tessera.import")


def prepare(inst, table, path, filename, **options) -> int:
    """Read the file's headers, match them (`explicit`: header -> field, "" to ignore) and note a
    new job; its id. Raises BadFile / BadMapping / Forbidden with a message that says what is wrong."""
    return prepare_sheet(inst, table, path, filename, **options)[0]


def prepare_sheet(inst, table, path, filename, *, mode="insert", key=None, explicit=None, rules=True,
                  actor=None, access=None, chunk=None, count=True, bulk=None):
    """`prepare`, and the Sheet it read: handed to `run` in the same process, an XLSX is not read twice."""
    form = inst.form
    if table not in form.tables:
        raise RecordError(msg(f"no table '{table}'", f"没有数据表 {table}"))
    if access is not None:
        access.require(table, "create")
    format_of(filename)
    sheet = open_sheet(path, filename)
    mapping = match_headers(sheet.headers, targets(form, table, access), explicit)
    options = {"headers": sheet.headers, "mapping": {str(i): n for i, n in mapping.items()}, "rules": rules,
               "chunk": chunk, "encoding": sheet.encoding, "bulk": bulk}
    job_id = Jobs(form).create(table, mode=mode, key=key, options=options, path=path, filename=filename,
                               actor=actor, total=sheet.count() if count else None)
    return job_id, sheet


def plan_of(job) -> Plan:
    opts = job["options"]
    return Plan(table=job["tbl"], mapping={int(i): n for i, n in opts["mapping"].items()}, mode=job["mode"],
                key=job["key_field"], rules=opts.get("rules", True), chunk=opts.get("chunk"),
                # None: the bulk path whenever it applies (insert, rules off), as the mapping step left the job
                bulk=opts.get("bulk"))


def remap(inst, job_id, mapping: dict, *, mode=None, key=None, rules=None) -> None:
    """The mapping step: column index -> field (None: ignored), and the options chosen with it."""
    jobs = Jobs(inst.form)
    job = jobs.get(job_id)
    opts = dict(job["options"])
    opts["mapping"] = {str(i): n for i, n in mapping.items()}
    if rules is not None:
        opts["rules"] = rules
    jobs.set(job_id, options=opts, mode=mode or job["mode"], key_field=key if mode else job["key_field"])


def importer_for(inst, job, access=None, actor=None, sheet=None) -> Importer:
    from engines.form.transfer.sources import Sheet

    opts = job["options"]
    if sheet is None or sheet.path != job["path"] or sheet.headers != opts["headers"]:
        sheet = Sheet(path=job["path"], format=format_of(job["filename"]), headers=opts["headers"],
                      encoding=opts.get("encoding"))
    return Importer(inst.form, inst.records, sheet, plan_of(job), access=access, actor=actor)


def check(inst, job_id, access=None, actor=None, progress=None) -> Outcome:
    """The dry run: every bad row into the job's report (replacing the last one); nothing written."""
    jobs = Jobs(inst.form)
    job = jobs.get(job_id)
    with inst.form.engine.begin() as conn:
        jobs.clear_errors(conn, job_id, dry=True)
        jobs.set(job_id, conn, status="checking", processed=0, message=None)
    try:
        out = importer_for(inst, job, access, actor).run(dry_run=True, job_id=job_id, jobs=jobs,
                                                         progress=progress)
    except Exception as exc:
        _failed(jobs, job_id, exc)
        raise
    jobs.set(job_id, status="checked", processed=out.processed, failed=out.failed)
    return out


def run(inst, job_id, access=None, actor=None, progress=None, sheet=None) -> Outcome:
    """Import the job's rows after its last committed row (all of them the first time): also the resume."""
    jobs = Jobs(inst.form)
    job = jobs.get(job_id)
    if job["status"] == "done":
        return Outcome(processed=job["processed"], inserted=job["inserted"], updated=job["updated"],
                       failed=job["failed"], last_row=job["last_row"])
    if job["last_row"] <= 1:        # a fresh start (after a dry run, the counters are the dry run's)
        jobs.set(job_id, status="running", processed=0, inserted=0, updated=0, failed=0, message=None)
    else:
        jobs.set(job_id, status="running", message=None)
    try:
        out = importer_for(inst, job, access, actor, sheet).run(start_after=job["last_row"], job_id=job_id,
                                                                jobs=jobs, progress=progress)
    except Exception as exc:
        _failed(jobs, job_id, exc)
        raise
    jobs.set(job_id, status="done")
    return out


def _failed(jobs, job_id, exc) -> None:
    """The job stops as `failed` with why; `run` resumes it after its last committed row."""
    if isinstance(exc, RecordError):
        text = f"{exc.message.en} / {exc.message.zh}"
    else:
        log.exception("import job %s stopped", job_id)
        text = f"{type(exc).__name__}: {exc}"
    jobs.set(job_id, status="failed", message=text[:2000])
