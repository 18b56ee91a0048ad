// Autosave for the application form: saves to the server while the applicant types, and keeps a copy
// in this browser so that a lost connection loses nothing. The form works without this script.
(function () {
  "use strict";
  var form = document.getElementById("application-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("autosave-status");
  var key = "baiqau:" + form.dataset.draftKey;
  var revision = form.querySelector("input[name=revision]");
  var timer = null, dirty = false, busy = false, restoredNote = "";

  function say(text) { if (status) { status.textContent = text; } }
  function fields() {
    var copy = {};
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrf_token" && typeof value === "string") { (copy[name] = copy[name] || []).push(value); }
    });
    return copy;
  }
  function keepLocally(refused) {
    try {
      localStorage.setItem(key, JSON.stringify({revision: revision.value, at: Date.now(), fields: fields(),
                                                refused: refused || null}));
    }
    catch (e) { /* private mode or full storage: the server copy still works */ }
  }
  // The server's problems beside their fields, as the page draws them after a normal save.
  function unmark() {
    form.querySelectorAll("[data-autosave-error]").forEach(function (p) { p.remove(); });
    form.querySelectorAll("[data-autosave-invalid]").forEach(function (input) {
      input.removeAttribute("aria-invalid"); input.removeAttribute("data-autosave-invalid");
      var box = input.closest(".field, td"); if (box) { box.classList.remove("has-error"); }
    });
  }
  function mark(problems) {
    unmark();
    (problems || []).forEach(function (problem) {
      var input = document.getElementById(problem.id);
      if (!input || input.getAttribute("aria-invalid") === "true") { return; }
      input.setAttribute("aria-invalid", "true"); input.setAttribute("data-autosave-invalid", "");
      input.setAttribute("aria-describedby", problem.id + "-err");
      var box = input.closest(".field, td") || input.parentNode;
      box.classList.add("has-error");
      var p = document.createElement("p");
      p.className = "error"; p.id = problem.id + "-err"; p.setAttribute("data-autosave-error", "");
      p.textContent = problem.message;
      box.appendChild(p);
    });
  }
  function save() {
    if (!dirty || busy) { return; }
    busy = true; dirty = false;
    fetch(form.dataset.autosave, {method: "POST", body: new FormData(form), credentials: "same-origin",
                                  headers: {"X-Requested-With": "fetch"}})
      .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
      .then(function (result) {
        busy = false;
        if (result[0]) { revision.value = result[1].revision; localStorage.removeItem(key); unmark(); }
        else { dirty = true; keepLocally({message: result[1].message}); mark(result[1].problems); }
        say((restoredNote ? restoredNote + " " : "") + result[1].message);
        restoredNote = "";
      })
      .catch(function () { busy = false; dirty = true; say(form.dataset.offline || ""); });
  }
  function restore() {
    var saved;
    try { saved = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { saved = null; }
    if (!saved || saved.revision !== revision.value) { return; }
    // Say what came back and why it was kept here; the save below marks the fields the server refuses.
    var when = new Date(saved.at);
    var time = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2);
    restoredNote = (form.dataset.restored || "").replace("__TIME__", time);
    if (saved.refused && saved.refused.message) { say(restoredNote + " " + saved.refused.message); }
    else { say(restoredNote); }
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
