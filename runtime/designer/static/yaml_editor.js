/* The YAML editor: the whole definition in a textarea with line numbers; each edit is checked by the
   server (debounced) and the errors are listed with their lines, which are highlighted in the text. */
"use strict";
(function () {
  const {data, T, el, post, showOutcome} = window.Designer;
  const area = document.getElementById("yaml-text");
  const gutter = document.getElementById("yaml-gutter");
  const backdrop = document.getElementById("yaml-backdrop");
  const list = document.getElementById("yaml-errors");
  const status = document.getElementById("yaml-status");
  const state = {started: data.text, errors: [], timer: null, asked: 0};

  function badLines() {
    return new Set(state.errors.filter((e) => e.in_this_file !== false && e.line).map((e) => e.line));
  }

  function paint() {
    const bad = badLines();
    const lines = area.value.split("\n");
    gutter.replaceChildren(...lines.map((_, i) =>
      el("span", {class: bad.has(i + 1) ? "bad" : null, text: String(i + 1) + "\n"})));
    backdrop.replaceChildren(...lines.map((line, i) => bad.has(i + 1)
      ? [el("mark", {"data-line": String(i + 1), text: line || " "}), "\n"] : [line + "\n"]).flat());
    sync();
  }

  function sync() {
    backdrop.scrollTop = area.scrollTop;
    backdrop.scrollLeft = area.scrollLeft;
    gutter.scrollTop = area.scrollTop;
  }

  function goTo(line) {
    const lines = area.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[line - 1] || "").length);
    area.scrollTop = Math.max(0, (line - 5) * 20);
    sync();
  }

  function showErrors() {
    list.replaceChildren(...state.errors.map((e) => el("li", {"data-line": e.line || null},
      e.line && e.in_this_file !== false
        ? el("button", {type: "button", onclick: () => goTo(e.line)}, T.line.replace("{n}", e.line) + ": " + e.text)
        : e.text)));
    status.textContent = state.errors.length ? "" : T.valid;
    paint();
  }

  async function check() {
    const asked = ++state.asked;
    status.textContent = T.checking;
    const answer = await post(data.urls.check, {text: area.value, started: state.started, plan: false});
    if (asked !== state.asked) return;     // an older answer: a newer check is on its way
    state.errors = (answer.body && answer.body.errors) || [];
    if (!answer.body || (answer.status >= 400 && !state.errors.length)) {
      state.errors = [{text: (answer.body && answer.body.message) || T.failed}];
    }
    showErrors();
  }

  async function save(confirm) {
    const answer = await window.Designer.save(state, {text: area.value}, confirm);
    const body = answer.body || {};
    if (body.errors) { state.errors = body.errors; showErrors(); }
    showOutcome(answer, {unplaced: (errors) => errors, confirm: () => save(true)});
  }

  area.value = data.text;
  area.addEventListener("input", () => {
    paint();
    clearTimeout(state.timer);
    state.timer = setTimeout(check, 400);
  });
  area.addEventListener("scroll", sync);
  document.getElementById("designer-save").addEventListener("click", () => save(false));
  // simulating sends the text as it stands, saved or not (the form opens the run in a new tab)
  document.getElementById("yaml-simulate").addEventListener("submit", (event) => {
    event.target.elements.definition_text.value = area.value;
  });
  paint();
  check();
})();
