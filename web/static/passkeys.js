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

  function options(url) {
    return fetch(url, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (!res.ok) throw new Error("options: " + res.status);
        return res.json();
      });
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
      options(url).then(ceremony).then(function (c) {
        field.value = credentialJSON(c);
      }, function () {
        field.value = "";
      }).then(function () {
        form.setAttribute("data-ready", "1");
        form.submit();
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
