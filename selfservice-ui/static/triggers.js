// WorkID's only script. Kratos's WebAuthn and passkey buttons name a
// function of Kratos's own script to call on click (or on load); the
// Content-Security-Policy allows no inline handlers, so this wires them.
// Function names are checked against a fixed pattern before being called.
(function () {
  "use strict";
  var ok = /^ory[A-Za-z]+$/;
  function run(name) {
    if (ok.test(name) && typeof window[name] === "function") {
      window[name]();
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-trigger]").forEach(function (el) {
      el.addEventListener("click", function (ev) {
        ev.preventDefault();
        run(el.getAttribute("data-trigger"));
      });
    });
    document.querySelectorAll("[data-load-trigger]").forEach(function (el) {
      run(el.getAttribute("data-load-trigger"));
    });
  });
})();
