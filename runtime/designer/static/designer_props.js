/* The designer's property panel (the selected field's label, help, flags, default, options, limits,
   pattern, linked table) and the live preview of the table's form. Edits change the field's spec in
   place; keys the panel does not show are kept as they are. */
"use strict";
window.DesignerProps = function (state, hooks) {
  const {data, T, el} = window.Designer;
  const types = Object.fromEntries(data.types.map((t) => [t.type, t]));
  const NUMERIC = new Set(["integer", "decimal", "money", "percent", "rating", "duration"]);
  const RANGED = new Set([...NUMERIC, "date", "datetime", "time"]);
  const PATTERNED = new Set(["text", "auto_number", "barcode"]);
  const OPTIONED = new Set(["select", "multi_select"]);

  function text(label, lang) {
    if (label === undefined || label === null) return "";
    return typeof label === "string" ? label : (label[lang] || "");
  }

  function scalar(raw, numeric) {
    const s = raw.trim();
    if (s === "") return undefined;
    if (numeric && /^-?\d+(\.\d+)?$/.test(s)) return Number(s);
    if (/^(true|false)$/.test(s) && numeric === "boolean") return s === "true";
    return s;
  }

  function optionsText(options) {
    return (options || []).map((o) => typeof o === "string" ? o
      : [o.key, text(o.label, "zh"), text(o.label, "en")].filter((x, i) => i === 0 || x).join(" | ")).join("\n");
  }

  function parseOptions(raw) {
    return raw.split("\n").map((l) => l.trim()).filter(Boolean).map((line) => {
      const [key, zh, en] = line.split("|").map((p) => p.trim());
      if (!zh && !en) return key;
      const label = {};
      if (zh) label.zh = zh;
      if (en) label.en = en;
      return {key, label};
    });
  }

  function setKey(spec, key, value) {
    if (value === undefined || value === "" || value === false) delete spec[key];
    else spec[key] = value;
  }

  function setLabel(spec, key, lang, value) {
    const old = spec[key];
    const label = typeof old === "string" ? {zh: old, en: old} : Object.assign({}, old || {});
    if (value.trim()) label[lang] = value.trim(); else delete label[lang];
    setKey(spec, key, Object.keys(label).length ? label : undefined);
  }

  function errorsAt(key) {
    return state.errors.filter((e) => e.table === state.current && e.field === state.selected && e.key === key);
  }

  function prop(key, labelText, control, errKey = key) {
    control.id = "prop-" + key;
    const errs = errKey ? errorsAt(errKey) : [];
    if (errs.length) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-describedby", "prop-" + key + "-error");
    }
    const isCheck = control.type === "checkbox";
    return el("div", {class: "prop"},
      isCheck ? el("label", {class: "check"}, control, " " + labelText) : el("label", {for: control.id, text: labelText}),
      isCheck ? null : control,
      errs.length ? el("p", {class: "field-error", id: "prop-" + key + "-error", text: errs.map((e) => e.message).join("; ")}) : null);
  }

  function input(value, onchange, attrs) {
    return el("input", Object.assign({type: "text", value: value === undefined ? "" : String(value),
                                      oninput: (ev) => { onchange(ev.target.value); hooks.changed(); }}, attrs || {}));
  }

  function check(value, onchange) {
    return el("input", {type: "checkbox", checked: !!value,
                        onchange: (ev) => { onchange(ev.target.checked); hooks.changed(); }});
  }

  function render() {
    const box = document.getElementById("props");
    box.replaceChildren();
    const fields = state.tables[state.current] ? state.tables[state.current].fields : {};
    const spec = fields[state.selected];
    if (!spec) { box.append(el("p", {class: "muted", text: T.nothing_selected})); return; }
    const type = spec.type;
    const settings = (types[type] || {settings: []}).settings;
    const general = state.errors.filter((e) => e.table === state.current && e.field === state.selected);
    const nameInput = el("input", {type: "text", value: state.selected, onchange: (ev) => hooks.rename(ev.target.value)});
    const rows = [
      prop("name", T.field_name, nameInput, null),
      el("p", {class: "muted"}, T.field_type + ": ", el("span", {class: "mono", text: type})),
      prop("label_zh", T.label_zh, input(text(spec.label, "zh"), (v) => setLabel(spec, "label", "zh", v)), "label"),
      prop("label_en", T.label_en, input(text(spec.label, "en"), (v) => setLabel(spec, "label", "en", v)), null),
      prop("required", T.required, check(spec.required, (v) => setKey(spec, "required", v || undefined))),
      prop("unique", T.unique, check(spec.unique, (v) => setKey(spec, "unique", v || undefined))),
      prop("default", T.default, input(spec.default, (v) =>
        setKey(spec, "default", scalar(v, type === "boolean" ? "boolean" : NUMERIC.has(type))))),
    ];
    if (OPTIONED.has(type) || spec.options) {
      rows.push(prop("options", T.options, el("textarea", {rows: 4, oninput: (ev) => {
        setKey(spec, "options", parseOptions(ev.target.value)); hooks.changed(); }}, optionsText(spec.options))));
    }
    if (RANGED.has(type) || "min" in spec || "max" in spec) {
      rows.push(prop("min", T.min, input(spec.min, (v) => setKey(spec, "min", scalar(v, true)))));
      rows.push(prop("max", T.max, input(spec.max, (v) => setKey(spec, "max", scalar(v, true)))));
    }
    if (PATTERNED.has(type) || "pattern" in spec) {
      rows.push(prop("pattern", T.pattern, input(spec.pattern, (v) => setKey(spec, "pattern", v || undefined))));
    }
    if (settings.includes("table")) {
      const names = [...new Set([...data.all_tables, ...Object.keys(state.tables)])].sort();
      const select = el("select", {onchange: (ev) => { setKey(spec, "table", ev.target.value); hooks.changed(); }},
        el("option", {value: "", text: "—"}),
        names.map((n) => el("option", {value: n, selected: spec.table === n, text: n})));
      rows.push(prop("table", T.link_target, select));
    }
    rows.push(prop("help_zh", T.help_zh, input(text(spec.help, "zh"), (v) => setLabel(spec, "help", "zh", v)), "help"));
    rows.push(prop("help_en", T.help_en, input(text(spec.help, "en"), (v) => setLabel(spec, "help", "en", v)), null));
    const shown = new Set(["label", "help", "required", "unique", "default", "options", "min", "max", "pattern", "table"]);
    const other = general.filter((e) => !shown.has(e.key));
    if (other.length) {
      rows.unshift(el("p", {class: "field-error", id: "prop-general-error", role: "alert",
                            text: other.map((e) => (e.key ? e.key + ": " : "") + e.message).join("; ")}));
    }
    box.append(...rows);
    box.append(el("div", {class: "actions"},
      el("button", {type: "button", class: "btn btn-small", id: "move-up", text: T.move_up,
                    onclick: () => hooks.move(state.selected, -1)}),
      el("button", {type: "button", class: "btn btn-small", id: "move-down", text: T.move_down,
                    onclick: () => hooks.move(state.selected, 1)}),
      el("button", {type: "button", class: "btn btn-small btn-danger-outline", id: "remove-field",
                    text: T.remove_field, onclick: () => hooks.remove(state.selected)})));
  }

  function widget(name, spec) {
    const w = (types[spec.type] || {}).widget || "text";
    const id = "preview-" + name;
    const req = !!spec.required;
    const opts = (spec.options || []).map((o) => typeof o === "string" ? [o, o] : [o.key, text(o.label, data.lang) || o.key]);
    if (w === "select" || w === "multi_select" || w === "link") {
      return el("select", {id, required: req, multiple: w === "multi_select"},
        el("option", {value: "", text: "—"}), opts.map(([k, l]) => el("option", {value: k, text: l})));
    }
    if (w === "textarea" || w === "json") return el("textarea", {id, rows: 2, required: req});
    if (w === "checkbox") return el("input", {id, type: "checkbox"});
    const kind = {tel: "tel", email: "email", url: "url", number: "number", date: "date", datetime: "datetime-local",
                  time: "time", color: "color"}[w] || "text";
    return el("input", {id, type: kind, required: req, readonly: (types[spec.type] || {}).computed});
  }

  function preview() {
    const form = document.getElementById("preview");
    form.replaceChildren();
    const table = state.tables[state.current];
    if (!table) return;
    form.append(el("h3", {text: text(table.label, data.lang) || state.current}));
    for (const [name, spec] of Object.entries(table.fields)) {
      const label = text(spec.label, data.lang) || text(spec.label, "zh") || name;
      form.append(el("div", {class: "field"},
        el("label", {class: "field-label", for: "preview-" + name}, label, spec.required ? el("span", {class: "req", text: "*"}) : null),
        el("div", {class: "field-input"}, widget(name, spec)),
        spec.help ? el("p", {class: "field-help", text: text(spec.help, data.lang)}) : null));
    }
  }

  return {render, preview, text};
};
