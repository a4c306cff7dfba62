// Passkeys (issue 21): the sign-in button of the sign-in pages and the
// add form of Preferences and My account. Both forms are hidden in the
// page and shown here, only when the browser can use passkeys. On submit
// the script asks the server for the ceremony's options (its token is
// kept in an HttpOnly cookie, its data on the server), runs
// navigator.credentials, and posts the form with the answer in its
// hidden "credential" field; a refusal or a cancel posts it empty, and
// the server's page says what went wrong.
(function () {
  "use strict";
  if (!window.PublicKeyCredential || !navigator.credentials) return;

  function toBuffer(s) {
    s = s.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin = atob(s), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toText(buf) {
    var bytes = new Uint8Array(buf), bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  // credentialJSON is the credential as the server reads it (WebAuthn's
  // JSON form: binary members base64url-encoded).
  function credentialJSON(c) {
    var r = c.response, out = {
      id: c.id, rawId: toText(c.rawId), type: c.type,
      clientExtensionResults: c.getClientExtensionResults ? c.getClientExtensionResults() : {},
      response: { clientDataJSON: toText(r.clientDataJSON) }
    };
    if (c.authenticatorAttachment) out.authenticatorAttachment = c.authenticatorAttachment;
    if (r.attestationObject) {
      out.response.attestationObject = toText(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    }
    if (r.authenticatorData) {
      out.response.authenticatorData = toText(r.authenticatorData);
      out.response.signature = toText(r.signature);
      if (r.userHandle) out.response.userHandle = toText(r.userHandle);
    }
    return JSON.stringify(out);
  }

  // refusal is a refused options request: the form's errors, which the
  // form shows itself (no ceremony began, so nothing is posted).
  function Refusal(errors) { this.errors = errors; }

  // options asks for a ceremony's options, sending the form's current
  // password when it has one (the add form: checked before the
  // ceremony starts, so a wrong one leaves no key on the device).
  function options(url, form) {
    var init = { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } };
    var pw = form.querySelector("input[name=passkey_password]");
    if (pw) init.body = new URLSearchParams({ passkey_password: pw.value });
    return fetch(url, init).then(function (res) {
      if (res.ok) return res.json();
      return res.json().then(function (b) {
        if (b && b.errors && b.errors.length) throw new Refusal(b.errors);
        throw new Error("options: " + res.status);
      }, function () { throw new Error("options: " + res.status); });
    });
  }

  // showErrors shows a refusal as the server's pages do: a summary at
  // the top of the form, linked to each field, and the field's own
  // message. The password typed is cleared, never kept.
  function showErrors(form, errors) {
    var old = form.querySelector(".error-summary");
    if (old) old.remove();
    form.querySelectorAll(".field-invalid").forEach(function (f) {
      f.classList.remove("field-invalid");
      var e = f.querySelector(".field-error");
      if (e) e.remove();
      var c = f.querySelector("input");
      if (c) { c.removeAttribute("aria-invalid"); c.removeAttribute("aria-describedby"); }
    });
    var box = document.createElement("div"), h = document.createElement("h2"), ul = document.createElement("ul");
    box.className = "error-summary";
    box.setAttribute("role", "alert");
    h.textContent = "There is a problem";
    box.appendChild(h);
    box.appendChild(ul);
    errors.forEach(function (e) {
      var li = document.createElement("li"), input = e.field && form.querySelector("[name=" + e.field + "]");
      if (input) {
        var a = document.createElement("a");
        a.href = "#" + input.id;
        a.textContent = e.message;
        li.appendChild(a);
        var p = document.createElement("p"), hid = document.createElement("span");
        p.className = "field-error";
        p.id = input.id + "-error";
        hid.className = "visually-hidden";
        hid.textContent = "Error: ";
        p.appendChild(hid);
        p.appendChild(document.createTextNode(e.message));
        input.parentNode.insertBefore(p, input);
        input.parentNode.classList.add("field-invalid");
        input.setAttribute("aria-invalid", "true");
        var hint = document.getElementById(input.id + "-hint");
        input.setAttribute("aria-describedby", (hint ? hint.id + " " : "") + p.id);
      } else {
        li.textContent = e.message;
      }
      ul.appendChild(li);
    });
    form.insertBefore(box, form.firstChild);
    var pw = form.querySelector("input[name=passkey_password]");
    if (pw) pw.value = "";
  }

  function ids(list) {
    (list || []).forEach(function (d) { d.id = toBuffer(d.id); });
  }

  // run wires a form: ceremony(options) gives the credential.
  function run(form, url, ceremony) {
    var field = form.querySelector("input[name=credential]");
    var busy = false;
    form.hidden = false;
    form.addEventListener("submit", function (e) {
      if (busy) { e.preventDefault(); return; }
      if (form.getAttribute("data-ready") === "1") return;
      var name = form.querySelector("input[name=passkey_name]");
      if (name && !name.value.trim()) return; // the server names the field
      e.preventDefault();
      busy = true;
      options(url, form).then(function (o) {
        return ceremony(o).then(function (c) {
          field.value = credentialJSON(c);
        }, function () {
          field.value = "";
        });
      }, function (err) {
        if (err instanceof Refusal) throw err;
        field.value = "";
      }).then(function () {
        // The password was for the options only; the form posts without it.
        var pw = form.querySelector("input[name=passkey_password]");
        if (pw) pw.value = "";
        form.setAttribute("data-ready", "1");
        form.submit();
      }, function (err) {
        busy = false;
        showErrors(form, err.errors);
      });
    });
  }

  document.querySelectorAll("[data-passkey-nojs]").forEach(function (p) { p.hidden = true; });

  document.querySelectorAll("form[data-passkey-register]").forEach(function (form) {
    run(form, form.getAttribute("data-passkey-register"), function (o) {
      o.challenge = toBuffer(o.challenge);
      o.user.id = toBuffer(o.user.id);
      ids(o.excludeCredentials);
      return navigator.credentials.create({ publicKey: o });
    });
  });

  document.querySelectorAll("form[data-passkey-signin]").forEach(function (form) {
    run(form, form.getAttribute("data-passkey-signin"), function (o) {
      o.challenge = toBuffer(o.challenge);
      ids(o.allowCredentials);
      return navigator.credentials.get({ publicKey: o });
    });
  });
})();
