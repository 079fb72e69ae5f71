/* The form designer: a palette of field types dragged onto a table's form (HTML5 drag and drop),
   fields reordered by dragging, tables added and removed; Save posts the designed tables with the
   file text the page was opened on, and shows the server's answer (docs/designer.md). */
"use strict";
(function () {
  const {data, T, el, showOutcome} = window.Designer;
  if (data.cannot_edit) return;
  const NAME = /^[a-z][a-z0-9_]{0,62}$/;
  const state = {tables: data.tables, current: Object.keys(data.tables)[0] || null, selected: null,
                 errors: [], started: data.text};
  const props = window.DesignerProps(state, {changed, rename, remove, move});
  const types = Object.fromEntries(data.types.map((t) => [t.type, t]));

  function fields() { return state.current ? state.tables[state.current].fields : {}; }

  function changed() {
    state.errors = state.errors.filter((e) => !(e.table === state.current && e.field === state.selected));
    renderCanvas();
    props.preview();
  }

  function reorder(entries) {
    state.tables[state.current].fields = Object.fromEntries(entries);
  }

  function rename(to) {
    to = to.trim();
    const err = document.getElementById("prop-name");
    if (to === state.selected) return;
    if (!NAME.test(to) || to in fields()) {
      err.setCustomValidity(NAME.test(to) ? T.name_taken : T.bad_name);
      err.reportValidity();
      return;
    }
    err.setCustomValidity("");
    reorder(Object.entries(fields()).map(([n, s]) => [n === state.selected ? to : n, s]));
    state.selected = to;
    render();
  }

  function move(name, by) {      // the Up / Down buttons: reordering without a mouse
    const at = Object.keys(fields()).indexOf(name);
    if (at + by < 0 || at + by >= Object.keys(fields()).length) return;
    drop("move:" + name, by < 0 ? at + by : at + by + 1);
  }

  function remove(name) {
    reorder(Object.entries(fields()).filter(([n]) => n !== name));
    state.selected = null;
    render();
  }

  function freeName(base) {      // phone_1, phone_2...: a bare type name may be an SQL word (select)
    let i = 1;
    while (`${base}_${i}` in fields()) i++;
    return `${base}_${i}`;
  }

  function newField(type) {
    const spec = {type, label: Object.assign({}, types[type].label)};
    if (types[type].required.includes("table")) spec.table = state.current;
    if (type === "select" || type === "multi_select") spec.options = ["option_1"];
    return spec;
  }

  function drop(payload, index) {
    const entries = Object.entries(fields());
    if (payload.startsWith("new:")) {
      const type = payload.slice(4);
      if (!types[type] || !state.current) return;
      const name = freeName(type);
      entries.splice(index, 0, [name, newField(type)]);
      state.selected = name;
    } else if (payload.startsWith("move:")) {
      const name = payload.slice(5);
      const from = entries.findIndex(([n]) => n === name);
      if (from < 0) return;
      const [moved] = entries.splice(from, 1);
      entries.splice(from < index ? index - 1 : index, 0, moved);
      state.selected = name;
    } else {
      return;
    }
    reorder(entries);
    render();
  }

  function dropIndex(canvas, y) {
    const items = [...canvas.querySelectorAll(".canvas-field")];
    const at = items.findIndex((li) => { const r = li.getBoundingClientRect(); return y < r.top + r.height / 2; });
    return at < 0 ? items.length : at;
  }

  function renderPalette() {
    const list = document.getElementById("palette");
    list.replaceChildren(...data.types.map((t) => el("li", {
      draggable: "true", "data-type": t.type, title: t.type, tabindex: "0", role: "button",
      onclick: () => drop("new:" + t.type, Object.keys(fields()).length),        // no mouse drag (touch, keys)
      onkeydown: (ev) => { if (ev.key === "Enter") drop("new:" + t.type, Object.keys(fields()).length); },
      ondragstart: (ev) => { ev.dataTransfer.setData("text/plain", "new:" + t.type); ev.dataTransfer.effectAllowed = "copyMove"; },
    }, t.label[data.lang] || t.label.zh, el("span", {class: "mono", text: t.type}))));
  }

  function renderTabs() {
    const tabs = document.getElementById("table-tabs");
    tabs.replaceChildren(...Object.keys(state.tables).map((name) => el("button", {
      type: "button", role: "tab", "data-table": name, "aria-selected": String(name === state.current),
      class: state.errors.some((e) => e.table === name) ? "has-error" : null,
      text: props.text(state.tables[name].label, data.lang) || name,
      onclick: () => { state.current = name; state.selected = null; render(); },
    })));
    const tableErrors = state.errors.filter((e) => e.table === state.current && !e.field);
    document.getElementById("table-error").textContent = tableErrors.map((e) => e.text).join("; ");
  }

  function renderCanvas() {
    const canvas = document.getElementById("canvas");
    canvas.replaceChildren();
    const entries = Object.entries(fields());
    if (!entries.length) canvas.append(el("li", {class: "canvas-empty", text: T.canvas_empty}));
    for (const [name, spec] of entries) {
      const errs = state.errors.filter((e) => e.table === state.current && e.field === name);
      canvas.append(el("li", {
        class: "canvas-field" + (name === state.selected ? " selected" : "") + (errs.length ? " has-error" : ""),
        draggable: "true", "data-field": name, tabindex: "0",
        onclick: () => { state.selected = name; render(); },
        onkeydown: (ev) => { if (ev.key === "Enter") { state.selected = name; render(); } },
        ondragstart: (ev) => { ev.dataTransfer.setData("text/plain", "move:" + name); ev.dataTransfer.effectAllowed = "move"; },
      }, el("strong", {text: props.text(spec.label, data.lang) || name}), spec.required ? el("span", {class: "req", text: "*"}) : null,
         " ", el("span", {class: "mono muted", text: name + " · " + spec.type}),
         errs.map((e) => el("p", {class: "field-error", text: (e.key ? e.key + ": " : "") + e.message}))));
    }
  }

  function render() {
    renderTabs();
    renderCanvas();
    props.render();
    props.preview();
  }

  function wireCanvas() {
    const canvas = document.getElementById("canvas");
    const clear = () => canvas.querySelectorAll(".drop-before").forEach((n) => n.classList.remove("drop-before"));
    canvas.addEventListener("dragover", (ev) => {
      ev.preventDefault();
      canvas.classList.add("drag-over");
      clear();
      const items = canvas.querySelectorAll(".canvas-field");
      const at = dropIndex(canvas, ev.clientY);
      if (items[at]) items[at].classList.add("drop-before");
    });
    canvas.addEventListener("dragleave", () => { canvas.classList.remove("drag-over"); clear(); });
    canvas.addEventListener("drop", (ev) => {
      ev.preventDefault();
      canvas.classList.remove("drag-over");
      clear();
      drop(ev.dataTransfer.getData("text/plain"), dropIndex(canvas, ev.clientY));
    });
  }

  function wireTables() {
    const error = document.getElementById("table-error");
    document.getElementById("add-table").addEventListener("click", () => {
      const input = document.getElementById("new-table-name");
      const name = input.value.trim();
      if (!NAME.test(name) || name in state.tables) {
        error.textContent = name in state.tables ? T.name_taken : T.bad_name;
        return;
      }
      state.tables[name] = {label: {zh: name, en: name}, fields: {}};
      state.current = name;
      state.selected = null;
      input.value = "";
      render();
    });
    document.getElementById("remove-table").addEventListener("click", () => {
      if (!state.current) return;
      delete state.tables[state.current];
      state.current = Object.keys(state.tables)[0] || null;
      state.selected = null;
      render();
    });
  }

  function placed(errors) {
    return errors.filter((e) => !(e.table && state.tables[e.table] &&
      (!e.field || e.field in state.tables[e.table].fields)));
  }

  async function save(confirm) {
    const answer = await window.Designer.save(state, {tables: state.tables}, confirm);
    state.errors = (answer.body && answer.body.errors) || [];
    const firstBad = state.errors.find((e) => e.table && state.tables[e.table]);
    if (firstBad) {
      state.current = firstBad.table;
      if (firstBad.field && firstBad.field in state.tables[firstBad.table].fields) state.selected = firstBad.field;
    }
    render();
    const form = state.current ? el("p", {}, el("a", {class: "btn btn-small", id: "open-form",
      href: data.urls.form.replace("TABLE", state.current), text: T.open_form})) : null;
    showOutcome(answer, {unplaced: placed, confirm: () => save(true), after: form});
  }

  document.getElementById("designer-save").addEventListener("click", () => save(false));
  renderPalette();
  wireCanvas();
  wireTables();
  render();
})();
