// Draws the charts of a page (engines/form/screens): each figure is in its element's data-figure.
// No inline script: the platform's Content-Security-Policy forbids it.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".chart[data-figure]").forEach(function (el) {
      var figure = JSON.parse(el.dataset.figure);
      window.Plotly.react(el, figure.data, figure.layout, {responsive: true, displaylogo: false});
    });
  });
})();
