// Draws each chart of a dashboard from its JSON (the same URL as the API), and redraws them every
// `data-refresh` seconds. No inline script: the platform's Content-Security-Policy forbids it.
(function () {
  "use strict";
  function draw(el) {
    fetch(el.dataset.src, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.figure) { el.textContent = (data.error && data.error.message) || ""; return; }
        if (data.empty) { window.Plotly.purge(el); el.classList.remove("drawn"); el.textContent = data.empty; return; }
        if (!el.classList.contains("drawn")) { el.textContent = ""; el.classList.add("drawn"); }
        window.Plotly.react(el, data.figure.data, data.figure.layout, {responsive: true, displaylogo: false});
      })
      .catch(function (e) { el.textContent = String(e); });
  }
  function drawAll() { document.querySelectorAll(".chart[data-src]").forEach(draw); }
  document.addEventListener("DOMContentLoaded", function () {
    drawAll();
    var grid = document.querySelector(".dashboard-grid");
    var seconds = grid ? parseInt(grid.dataset.refresh || "0", 10) : 0;
    if (seconds > 0) { window.setInterval(drawAll, seconds * 1000); }
  });
})();
