// Progressive enhancement of the booking form (portal/templates/booking.html).
// Without JavaScript every helper is a submit button that shows the form
// again; with it: Insert puts the script's text into the description at
// once, Enter in a search field presses its own button, changing the site
// or the date shows its choices, and files can be dropped on the file input.
(function () {
  "use strict";
  var form = document.getElementById("booking-form");
  if (!form) return;
  var files = document.getElementById("attachments");

  // Insert script: the option carries its text.
  form.querySelectorAll("[data-insert-script]").forEach(function (button) {
    button.addEventListener("click", function (e) {
      var select = document.getElementById("script_id");
      var area = document.getElementById(button.getAttribute("data-insert-script"));
      if (!select || !area) return;
      var opt = select.options[select.selectedIndex];
      var text = opt && opt.getAttribute("data-text");
      if (!text) return; // no script chosen: the server says so
      e.preventDefault();
      var before = area.value.replace(/\s+$/, "");
      area.value = before ? before + "\n\n" + text : text;
      area.focus();
      area.setSelectionRange(area.value.length, area.value.length);
    });
  });

  // Enter in a search field presses its own button, not the form's first.
  form.querySelectorAll("[data-enter-for]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-enter-for"));
    if (!input) return;
    input.addEventListener("keydown", function (e) {
      if (e.key === "Enter") { e.preventDefault(); button.click(); }
    });
  });

  // A changed site or date shows its contacts, equipment or free times,
  // unless files are chosen (a new page would drop them).
  form.querySelectorAll("[data-change-of]").forEach(function (button) {
    var input = document.getElementById(button.getAttribute("data-change-of"));
    if (!input) return;
    input.addEventListener("change", function () {
      if (files && files.files && files.files.length > 0) return;
      if (input.type === "date" && !input.value) return;
      button.click();
    });
  });

  // Drag and drop onto the file input's field; the input keeps the files,
  // so the form posts them as if chosen.
  var zone = form.querySelector("[data-dropzone]");
  var list = form.querySelector("[data-dropzone-files]");
  if (!zone || !files || typeof DataTransfer === "undefined") return;
  zone.classList.add("js");
  function show() {
    var names = [];
    for (var i = 0; i < files.files.length; i++) names.push(files.files[i].name);
    if (list) list.textContent = names.length ? "Chosen: " + names.join(", ") : "";
  }
  ["dragenter", "dragover"].forEach(function (t) {
    zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("dragover"); });
  });
  ["dragleave", "drop"].forEach(function (t) {
    zone.addEventListener(t, function () { zone.classList.remove("dragover"); });
  });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (!e.dataTransfer || !e.dataTransfer.files.length) return;
    var dt = new DataTransfer();
    for (var i = 0; i < files.files.length; i++) dt.items.add(files.files[i]);
    for (var j = 0; j < e.dataTransfer.files.length; j++) dt.items.add(e.dataTransfer.files[j]);
    files.files = dt.files;
    show();
  });
  files.addEventListener("change", show);
})();
