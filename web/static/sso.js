// The sign-in page's offer of a company sign-in (portal/templates/login.html).
// Without JavaScript the server answers an email of a company's domain with
// the "Continue with <company>" button; with it, the button shows as the
// address is typed. /sso/company names the company of the domain only, so
// nothing here tells whether an account exists.
(function () {
  "use strict";
  var input = document.getElementById("username");
  var offer = document.getElementById("sso-start");
  if (!input || !offer) return;
  var link = offer.querySelector("a");
  var next = new URLSearchParams(link.search).get("next");
  var company = offer.querySelector(".sso-company");
  var password = document.getElementById("password");
  var passwordField = password && password.closest(".field");
  var submit = document.getElementById("login-submit");
  var timer = null;
  var asked = "";

  function show(name) {
    offer.hidden = !name;
    company.textContent = name;
    var q = new URLSearchParams({ email: input.value.trim() });
    if (next) q.set("next", next);
    link.href = "/sso/start?" + q.toString();
    if (passwordField) passwordField.hidden = !!name;
    if (submit) submit.hidden = !!name;
  }

  function ask() {
    var typed = input.value.trim();
    if (typed === asked) return;
    asked = typed;
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(typed)) {
      show("");
      return;
    }
    fetch("/sso/company?email=" + encodeURIComponent(typed), { credentials: "same-origin" })
      .then(function (res) { return res.ok ? res.json() : { company: "" }; })
      .then(function (body) {
        if (input.value.trim() === typed) show(body.company || "");
      })
      .catch(function () { show(""); });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 250);
  });
  input.addEventListener("change", ask);
  ask();
})();
