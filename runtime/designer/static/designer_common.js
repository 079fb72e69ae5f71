/* What the designer and the YAML editor share: the page's data, a JSON post with the CSRF token,
   and the save outcome (saved, errors, removals to confirm, a conflict with its diff). */
"use strict";
window.Designer = (function () {
  const data = JSON.parse(document.getElementById("designer-data").textContent);
  const T = data.text_of;

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : v);
    }
    for (const child of children.flat()) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  function csrf() {
    const input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  async function post(url, body) {
    try {
      const resp = await fetch(url, {method: "POST", credentials: "same-origin", body: JSON.stringify(body),
                                     headers: {"Content-Type": "application/json", "X-CSRFToken": csrf()}});
      let json;
      try { json = await resp.json(); } catch (e) { json = {ok: false, message: T.failed}; }
      if (json.error && !json.message) json.message = json.error.message;     // the platform's JSON errors
      return {status: resp.status, body: json};
    } catch (e) {
      return {status: 0, body: {ok: false, message: T.failed}};
    }
  }

  function diffView(text) {
    const pre = el("pre", {class: "diff", id: "conflict-diff"});
    for (const line of text.split("\n")) {
      const kind = line.startsWith("+") && !line.startsWith("+++") ? "add"
        : line.startsWith("-") && !line.startsWith("---") ? "del" : null;
      pre.append(el("span", {class: kind}, line), "\n");
    }
    return pre;
  }

  function planList(plan) {
    if (!plan || !plan.length) return null;
    return el("div", {}, el("strong", {text: T.plan}),
              el("ul", {class: "mono", id: "plan"}, plan.map((line) => el("li", {text: line}))));
  }

  /* Show a save's answer. `opts.unplaced(errors)`: the errors the page could not show at a field;
     `opts.confirm()`: saves again with the removals confirmed; `opts.after`: a node shown on success. */
  function showOutcome(answer, opts) {
    const box = document.getElementById("designer-outcome");
    box.replaceChildren();
    const body = answer.body || {};
    if (body.conflict) {
      box.append(el("div", {class: "alert", role: "alert", id: "conflict"}, el("strong", {text: T.conflict}),
                    diffView(body.diff || ""),
                    el("a", {class: "btn btn-small", href: location.pathname, text: T.reload_page})));
    } else if (body.saved) {
      box.append(el("div", {class: "flash", role: "status", id: "saved"}, el("strong", {text: T.saved}), " ",
                    body.message || "", planList(body.plan), opts.after || null));
    } else if (body.unchanged) {
      box.append(el("div", {class: "flash", role: "status"}, T.unchanged));
    } else if (body.needs_confirm) {
      box.append(el("div", {class: "alert", role: "alert", id: "confirm-box"}, el("strong", {text: T.confirm_removal}),
                    planList(body.plan),
                    el("button", {type: "button", class: "btn btn-danger", id: "confirm-save", text: T.confirm_save,
                                  onclick: () => opts.confirm()})));
    } else if (body.errors && body.errors.length) {
      const rest = opts.unplaced ? opts.unplaced(body.errors) : body.errors;
      box.append(el("div", {class: "alert", role: "alert", id: "save-errors"}, el("strong", {text: T.has_errors}),
                    rest.length ? el("ul", {class: "mono"}, rest.map((e) => el("li", {text: e.text}))) : null));
    } else {
      box.append(el("div", {class: "alert", role: "alert"}, body.message || T.failed));
    }
    box.scrollIntoView({block: "nearest"});
  }

  function busy(button, on) {
    button.disabled = on;
    document.getElementById("designer-outcome").replaceChildren(
      ...(on ? [el("p", {class: "muted", role: "status", text: T.saving})] : []));
  }

  /* Post a save of `fields` (the tables, or the text) from the file text `state.started`; after a save
     the page goes on from the file as written. */
  async function save(state, fields, confirm) {
    const button = document.getElementById("designer-save");
    busy(button, true);
    const answer = await post(data.urls.save, Object.assign({started: state.started, digest: data.digest,
                                                             confirm: !!confirm}, fields));
    busy(button, false);
    const body = answer.body || {};
    if (body.saved || body.unchanged) {
      state.started = body.text;
      data.digest = body.digest;
    }
    return answer;
  }

  return {data, T, el, post, showOutcome, save};
})();
