"""The club app and small helpers shared by the import and export tests."""
from __future__ import annotations

import csv

import sqlalchemy as sa

CLUB = """
app: club
title: {zh: 俱乐部, en: Club}
roles: [manager, clerk, viewer]
tables:
  stores:
    title_field: name
    fields:
      name: {type: text, required: true}
  members:
    label: {zh: 会员, en: Members}
    title_field: name
    permissions:
      manager: all
      clerk: {read: true, create: true, hidden: [secret]}
      viewer: [read]
    fields:
      name: {type: text, required: true, max_length: 10, label: {zh: 姓名, en: Name}}
      phone: {type: phone, unique: true, label: {zh: 手机号, en: Phone}}
      tier:
        type: select
        label: {zh: 等级, en: Tier}
        default: normal
        options:
          - {key: normal, label: {zh: 普通, en: Normal}}
          - {key: vip, label: {zh: 贵宾, en: VIP}}
      birthday: {type: date, label: {zh: 生日, en: Birthday}}
      store: {type: link, table: stores, label: {zh: 门店, en: Store}}
      visits: {type: integer, min: 0, label: {zh: 到店次数, en: Visits}}
      points: {type: integer, default: 0, readonly: true, label: {zh: 积分, en: Points}}
      greeted: {type: boolean, default: false, label: {zh: 已问候, en: Greeted}}
      secret: {type: text, label: {zh: 备注, en: Secret}}
  points_ledger:
    label: {zh: 积分流水, en: Points ledger}
    permissions:
      manager: [read, create]
      clerk: [read, create]
      viewer: [read]
    ledger: {account: member, amount: change, balance: points, expires: expires_on}
    fields:
      member: {type: link, table: members, required: true}
      change: {type: integer, required: true}
      reason: {type: select, required: true, options: [order, adjustment]}
      expires_on: {type: date}
rules:
  greet:
    when: {created: members}
    do:
      - set: {greeted: true}
"""


def write_csv(path, rows, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return str(path)


def write_xlsx(path, rows):
    from openpyxl import Workbook

    wb = Workbook()
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return str(path)


def members(inst):
    sql = inst.form.sql["members"]
    with inst.form.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(sql).order_by(sql.c.id)).mappings()]


def entries(inst):
    sql = inst.form.sql["points_ledger"]
    with inst.form.engine.connect() as conn:
        return [dict(r) for r in conn.execute(sa.select(sql).order_by(sql.c.id)).mappings()]


def do_import(inst, path, name=None, dry=False, **kw):
    """prepare + check/run as the system; (job id, Outcome)."""
    import os

    from engines.form.transfer import service

    job = service.prepare(inst, kw.pop("table", "members"), path, name or os.path.basename(path), **kw)
    out = (service.check if dry else service.run)(inst, job)
    return job, out
