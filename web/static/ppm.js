// The PPM report's cells open their details in place: a cell is a link to
// the same report with the cell chosen, which shows its details under the
// grid; here the page is fetched and only its details are put in the slot
// under the grid, and focus moves to them. Without JavaScript the link
// loads that page. Enter follows a link, so the keyboard works the same.
(function () {
  "use strict";
  var grid = document.getElementById("ppm-grid");
  var slot = document.getElementById("ppm-detail-slot");
  if (!grid || !slot || !window.fetch || !window.DOMParser) return;
  function show(url, cell) {
    fetch(url, { credentials: "same-origin" }).then(function (res) {
      if (!res.ok) throw new Error(res.status);
      return res.text();
    }).then(function (html) {
      var doc = new DOMParser().parseFromString(html, "text/html");
      var detail = doc.getElementById("ppm-detail");
      if (!detail) throw new Error("no details");
      slot.replaceChildren(document.importNode(detail, true));
      var close = slot.querySelector(".ppm-close");
      if (close) {
        close.addEventListener("click", function (e) {
          e.preventDefault();
          slot.replaceChildren();
          if (cell) cell.focus();
        });
      }
      slot.querySelector("#ppm-detail").focus();
    }).catch(function () { window.location.href = url; });
  }
  // Show the current week: on a phone the grid opens at January.
  var now = grid.querySelector("thead th.ppm-now");
  var wrap = grid.closest(".ppm-wrap");
  var first = grid.querySelector("thead th.ppm-type");
  if (now && wrap && first) {
    wrap.scrollLeft = Math.max(0, now.offsetLeft - first.offsetWidth - 2 * now.offsetWidth);
  }
  grid.addEventListener("click", function (e) {
    var a = e.target.closest("a.ppm-cell");
    if (!a || e.ctrlKey || e.metaKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    show(a.href, a);
  });
})();
