"""The rules' scheduled jobs, for the platform's scheduler: one job per `schedule` or `daily` rule of
each installed app, in the app's time zone. The job looks the app up when it fires, so a reloaded
definition's rule is the one that runs."""
from __future__ import annotations

from engines.common.scheduling import Cron, Job
from engines.rules.scheduled import run_scheduled


def scheduler_jobs(platform) -> list[Job]:
    jobs = []
    for name, inst in platform.apps.items():
        for rule in inst.app.rules:
            if rule.trigger.kind in ("schedule", "daily") and rule.enabled:
                jobs.append(Job(id=f"rules.{name}.{rule.name}", trigger=Cron(rule.trigger.cron, inst.app.timezone),
                                run=_runner(name, rule.name), description=rule.label.en))
    return jobs


def _runner(app_name: str, rule_name: str):
    def fire(platform, fire_time):
        inst = platform.apps.get(app_name)
        rule = next((r for r in inst.app.rules if r.name == rule_name), None) if inst else None
        if rule is None:
            return "the rule is no longer defined"
        counts = run_scheduled(inst, rule)
        return ", ".join(f"{k} {v}" for k, v in counts.items())
    return fire
