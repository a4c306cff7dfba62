// Progressive enhancement of the phone menu: without JavaScript the "Menu"
// link opens the navigation through :target; with it, the link toggles the
// list in place and tells screen readers whether it is open.
(function () {
  "use strict";
  var nav = document.getElementById("site-nav");
  if (!nav) return;
  var toggle = nav.querySelector(".nav-toggle");
  if (!toggle) return;
  nav.classList.add("js");
  toggle.setAttribute("role", "button");
  toggle.setAttribute("aria-expanded", "false");
  toggle.addEventListener("click", function (e) {
    e.preventDefault();
    var open = nav.classList.toggle("open");
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });
  toggle.addEventListener("keydown", function (e) {
    if (e.key === " ") { e.preventDefault(); toggle.click(); }
  });
})();
