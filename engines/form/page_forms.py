"""The record form: which fields it shows, the widgets' values, and a submitted form into values.

Conventions the widgets in templates/tessera/widgets.html follow:
- a checkbox is preceded by a hidden "0", so the last value of the name is the answer;
- a multiple select is preceded by a hidden "", so an empty choice still reaches the server;
- a file input uploads a new file; `<name>__clear` removes the current one.
"""
from __future__ import annotations

import mimetypes
import os
import secrets

from werkzeug.utils import secure_filename

from engines.form.fields import FieldError
from engines.form.page_views import cell, link_choices
from engines.form.ui_text import translate

MULTI = ("multi_select", "multi_link")
FILES = ("file", "image")


def editable(form, f, mode: str, locked=frozenset()) -> bool:
    """Can the user type this field in a `mode` ("create"/"edit") form? `locked`: the fields their
    roles may not set."""
    ft = form.ftype(f)
    if ft.computed or not (ft.stored or ft.join_table) or f.name in locked:
        return False
    return not (mode == "edit" and f.readonly)


def shown(form, f, mode: str, hidden=frozenset(), locked=frozenset()) -> bool:
    """Computed fields are hidden on create and read-only on edit; hidden fields never show."""
    return f.name not in hidden and (mode == "edit" or editable(form, f, mode, locked))


def limits(access, t, mode):
    """(hidden, locked) fields of `t` for the person filling in a `mode` form."""
    if access is None:
        return frozenset(), frozenset()
    return access.hidden(t.name), access.readonly(t.name, "create" if mode == "create" else "update")


def has_files(form, t) -> bool:
    return any(form.ftype(f).widget in FILES for f in t.fields.values())


# -- the submitted form -------------------------------------------------------------------------
def read_submission(form, app_name, t, mode, data, files, record=None, access=None):
    """(values for the record service, the raw input to show again, paths of saved uploads).

    On edit, a field whose input still equals what the form showed is left out, so that a
    widget's rounding (a datetime input without seconds) never rewrites an untouched value."""
    values, kept, saved = {}, {}, []
    _hidden, locked = limits(access, t, mode)
    for name, f in t.fields.items():
        if not editable(form, f, mode, locked):
            continue
        widget = form.ftype(f).widget
        if widget in FILES:
            upload = files.get(name)
            if upload is not None and upload.filename:
                values[name] = save_upload(form.media_dir, app_name, t.name, upload)
                saved.append(os.path.join(form.media_dir, values[name]["path"]))
            elif data.get(f"{name}__clear"):
                values[name] = None
            continue
        if name not in data:
            continue        # not in this form: leave it as it is
        if widget == "checkbox":
            raw = data.getlist(name)[-1]
            values[name] = raw
            kept[name] = raw not in ("0", "", "false")
        elif widget in MULTI:
            raw = [v for v in data.getlist(name) if v != ""]
            if widget == "multi_link":      # many targets: ids typed as "3, 8"
                raw = [p.strip() for v in raw for p in v.split(",") if p.strip()]
            values[name] = kept[name] = raw
        else:
            values[name] = kept[name] = data.get(name, "")
        if record is not None and _unchanged(form.ftype(f), f, record.get(name), kept[name]):
            del values[name]
    return values, kept, saved


def _unchanged(ft, f, value, raw) -> bool:
    shown_value = widget_value(ft, f, value)
    if isinstance(shown_value, list) and isinstance(raw, list):
        return sorted(shown_value) == sorted(raw)
    return shown_value == raw


def save_upload(media_dir, app_name, table, upload) -> dict:
    """Store an uploaded file under <media_dir>/<app>/<table>/ and describe it for the record."""
    folder = os.path.join(media_dir, app_name, table)
    os.makedirs(folder, exist_ok=True)
    original = os.path.basename(upload.filename.replace("\\", "/"))
    stem, ext = os.path.splitext(original)
    # secure_filename drops non-ASCII ("头像.png" -> "png"): keep the extension on its own
    ext = secure_filename(ext.lstrip(".")).lower()
    stored = f"{secrets.token_hex(8)}_{secure_filename(stem) or 'file'}" + (f".{ext}" if ext else "")
    full = os.path.join(folder, stored)
    upload.save(full)
    content_type = upload.mimetype or mimetypes.guess_type(original)[0] or "application/octet-stream"
    return {"name": original, "path": f"{app_name}/{table}/{stored}", "size": os.path.getsize(full),
            "content_type": content_type}


def discard(paths) -> None:
    """Remove uploads saved for a submission that was refused."""
    for p in paths:
        try:
            os.remove(p)
        except OSError:
            pass


# -- the widgets ----------------------------------------------------------------------------------
def initial_values(form, t, args, access=None) -> dict:
    """A new record's form: the fields' defaults, then values given in the query (?member=3)."""
    kept = {}
    _hidden, locked = limits(access, t, "create")
    for name, f in t.fields.items():
        if not editable(form, f, "create", locked):
            continue
        ft = form.ftype(f)
        try:
            value = ft.default_value(f)
        except FieldError:
            value = None
        if value is not None:
            kept[name] = widget_value(ft, f, value)
        if name in args:
            raw = args.getlist(name) if ft.widget in MULTI else args.get(name)
            kept[name] = raw not in ("0", "", "false") if ft.widget == "checkbox" else raw
    return kept


def widget_value(ft, f, value):
    """A stored value as its widget shows it: a string, a list of strings, or a bool."""
    if ft.widget == "checkbox":
        return bool(value)
    if value is None:
        return [] if ft.widget in MULTI else ""
    shown_value = ft.form_value(f, value)
    if isinstance(shown_value, list):
        return [str(getattr(v, "id", v)) for v in shown_value]
    return shown_value if isinstance(shown_value, (str, dict)) else str(shown_value)


def widgets(form, conn, app_name, t, mode, lang, record=None, display=None, kept=None, errors=None,
            access=None) -> list:
    """One dict per field of the form; `display` is the record with links resolved (edit only)."""
    kept, errors = kept or {}, errors or {}
    hidden, locked = limits(access, t, mode)
    out = []
    for name, f in t.fields.items():
        if not shown(form, f, mode, hidden, locked):
            continue
        ft = form.ftype(f)
        w = {"name": name, "widget": ft.widget, "label": f.label.get(lang), "required": f.required,
             "help": f.help.get(lang) if f.help else "", "error": errors[name].get(lang) if name in errors else "",
             "attrs": dict(ft.input_attrs(f)), "id": f"f-{name}"}
        if not editable(form, f, mode, locked):
            w["widget"] = "readonly"
            w["cell"] = cell(form, app_name, f, (display or {}).get(name), lang)
            out.append(w)
            continue
        if name in kept:
            w["value"] = kept[name]
        else:
            w["value"] = widget_value(ft, f, (record or {}).get(name)) if record else \
                ([] if ft.widget in MULTI else False if ft.widget == "checkbox" else "")
        if ft.widget in FILES and record:
            w["value"] = ""
            w["current"] = cell(form, app_name, f, record.get(name), lang)
        if f.options:
            w["options"] = [(o.key, o.label.get(lang)) for o in f.options]
        if ft.widget in ("link", "multi_link"):
            _link_widget(form, conn, f, w, display, lang, access)
        out.append(w)
    return out


def _link_widget(form, conn, f, w, display, lang, access=None):
    choices = link_choices(form, conn, f.table, access=access)
    if choices is not None:
        w["options"] = [(str(i), title) for i, title in choices]
        return
    w["widget"] = "link_id" if w["widget"] == "link" else "text"
    w["placeholder"] = translate("record_id_hint", lang)
    current = (display or {}).get(f.name)
    if isinstance(w["value"], list):
        w["value"] = ",".join(w["value"])
    if current is not None and not isinstance(current, list) and str(current.id) == str(w["value"]):
        w["current"] = translate("current", lang, title=current.title)
