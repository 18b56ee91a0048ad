// Autosave for the application form: saves to the server while the applicant types, and keeps a copy
// in this browser so that a lost connection loses nothing. The form works without this script.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("autosave-status");
  var key = "baiqau:" + form.dataset.draftKey;
  var revision = form.querySelector("input[name=revision]");
  var timer = null, dirty = false, busy = false;

  function say(text) { if (status) { status.textContent = text; } }
  function fields() {
    var copy = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { (copy[name] = copy[name] || []).push(value); }
    });
    return copy;
  }
  function keepLocally() {
    try { localStorage.setItem(key, JSON.stringify({revision: revision.value, at: Date.now(), fields: fields()})); }
    catch (e) { /* private mode or full storage: the server copy still works */ }
  }
  function save() {
    if (!dirty || busy) { return; }
    busy = true; dirty = false;
    fetch(form.dataset.autosave, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                  headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        busy = false;
        if (result[0]) { revision.value = result[1].revision; localStorage.removeItem(key); }
        else { dirty = true; }
        say(result[1].message);
      })
      .catch(function () { busy = false; dirty = true; say(form.dataset.offline || "Offline: kept in this browser."); });
  }
  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.revision !== revision.value) { return; }
    Object.keys(saved.fields).forEach(function (name) {
      var inputs = form.querySelectorAll("[name='" + name.replace(/'/g, "") + "']");
      if (inputs.length === 1 && inputs[0].type !== "checkbox" && inputs[0].type !== "hidden") {
        inputs[0].value = saved.fields[name][0];
      }
    });
    dirty = true;
    save();
  }
  form.addEventListener("input", function () {
    dirty = true; keepLocally();
    clearTimeout(timer); timer = setTimeout(save, 3000);
  });
  window.addEventListener("online", save);
  restore();
})();
