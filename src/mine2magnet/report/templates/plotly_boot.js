/* Draws every interactive figure from its JSON island; the static SVG stays as fallback. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("m2m-plotly-config").textContent);
  var targets = document.querySelectorAll("div.plotly-target");
  Array.prototype.forEach.call(targets, function (el) {
    var source = document.getElementById(el.getAttribute("data-source"));
    var figure = el.closest("figure");
    try {
      var fig = JSON.parse(source.textContent);
      var layout = fig.layout || {};
      Plotly.newPlot(el, fig.data || [], layout, config).then(function () {
        figure.classList.add("plotly-ready");
      });
    } catch (err) {
      figure.classList.add("plotly-failed");
      console.error("mine2magnet: interactive figure " + el.id + " failed: " + err.message);
    }
  });
})();
