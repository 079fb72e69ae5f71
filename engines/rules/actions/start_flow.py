"""`start_flow: big_redemption`: start a flow (the `flows:` section) on the rule's record, in the same
transaction. The builder checks that the flow exists and belongs to the rule's table
(engines/flow/compile.check_starts)."""
from __future__ import annotations

from dataclasses import dataclass

NAME = "start_flow"
SCHEMA = {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,62}$", "x-expected": "the name of a flow"}


@dataclass(frozen=True)
class StartFlow:
    flow: str
    table: str

    def run(self, rc):
        record = rc.require_record("start_flow")
        flows = rc.writer.form.extensions.get("flows")
        if flows is None:
            rc.fail("this platform runs no flows")
        return flows.start(rc.writer, self.flow, record["id"])


def compile(value, ctx, path):
    if ctx.table is None:
        ctx.report(path, "`start_flow` starts a flow on the rule's record; this trigger has none")
        return None
    return StartFlow(flow=value, table=ctx.table)
