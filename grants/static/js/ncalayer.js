// Sign-in with ЭЦП: the form's challenge is signed by NCALayer, the program of the National Certification
// Authority on the person's own computer, through its WebSocket (wss://127.0.0.1:13579). On connecting, NCALayer
// greets with its version; the page then asks createCAdESFromBase64 [storage, keyType, Base64 data, attach]
// and gets a CMS signature in Base64, which the form sends. Every message shown comes from the page's data-*
// attributes, written in the person's language by the server. Without this script the form still posts, and
// the server answers that no signature arrived.
(function () {
  "use strict";
  var ADDRESS = "wss://127.0.0.1:13579";
  var form = document.querySelector("form[data-ncalayer]");
  if (!form) { return; }
  var field = form.querySelector("input[name=signature]");
  var status = form.querySelector("[data-ncalayer-status]");
  var button = form.querySelector("button[type=submit]");
  var busy = false;

  function say(text, problem) {
    status.textContent = text;
    status.classList.toggle("error", Boolean(problem));
  }

  function finish(text) {
    busy = false;
    button.disabled = false;
    say(text, true);
  }

  function sign() {
    var socket;
    var greeted = false;
    var done = false;
    try {
      socket = new WebSocket(ADDRESS);
    } catch (error) {
      finish(form.dataset.msgAbsent);
      return;
    }
    socket.onerror = function () { if (!done) { done = true; finish(form.dataset.msgAbsent); } };
    socket.onclose = function () { if (!done) { done = true; finish(form.dataset.msgAbsent); } };
    socket.onmessage = function (event) {
      var answer;
      try { answer = JSON.parse(event.data); } catch (error) { answer = {}; }
      if (!greeted) {  // {"result": {"version": "…"}}: NCALayer is there
        greeted = true;
        socket.send(JSON.stringify({
          module: "kz.gov.pki.knca.commonUtils",
          method: "createCAdESFromBase64",
          args: ["PKCS12", form.dataset.keyType, form.dataset.challenge, false]
        }));
        return;
      }
      done = true;
      socket.close();
      if (String(answer.code) === "200" && answer.responseObject) {
        field.value = answer.responseObject;
        form.submit();
      } else if (/cancel/i.test(String(answer.message || ""))) {
        finish(form.dataset.msgCancelled);
      } else {
        finish(form.dataset.msgFailed + " " + String(answer.message || answer.code || ""));
      }
    };
  }

  form.addEventListener("submit", function (event) {
    if (field.value) { return; }  // signed: the form goes
    if (event.submitter && event.submitter.hasAttribute("data-skip-ncalayer")) { return; }  // the demo key, or none
    event.preventDefault();
    if (busy) { return; }
    busy = true;
    button.disabled = true;
    say(form.dataset.msgWait, false);
    sign();
  });
  form.dataset.ncalayerReady = "";  // the button now asks NCALayer; until here it would post the form unsigned
})();
