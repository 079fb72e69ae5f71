"""The scheduler: the platform's and the engines' scheduled jobs, each firing run once across processes.

- `registry.py`: the jobs, collected at start from the platform and every engine (`scheduler_jobs`).
- `triggers.py`: cron / interval triggers as APScheduler triggers; firing times and their keys.
- `runs.py`: tessera_schedule_runs, where a firing is claimed before it runs.
- `runner.py`: one firing: claim, run, record.
- `process.py`: APScheduler firing the jobs until stopped.
- `command.py`: `tessera scheduler`.
"""
