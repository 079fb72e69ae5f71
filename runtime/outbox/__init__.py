"""The outbox: messages and webhooks written with the business write, delivered after it commits.

- `table.py`: tessera_outbox and its statuses.
- `enqueue.py`: `enqueue(conn, outbox, ...)`, inside the caller's transaction.
- `templates.py`: sandboxed Jinja2 message templates (`compile_template`, `render`).
- `channels/`: one module per channel (log, email, webhook, sms, wechat).
- `dispatch.py`: claim due rows, send, retry with backoff, give up (dead).
- `worker.py`: the in-process delivery thread and `wake(platform)`; `jobs.py`: the `outbox.deliver` job.
- `pages.py`: the admins' Messages page; `commands.py`: `tessera outbox`.

Imported by runtime/system_tables.py (for the table), so this module imports nothing heavy.
"""
