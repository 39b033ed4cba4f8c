/* Account creation at the desk: show the password field only when the person types one;
   print the one-time password sheet. The pages work without this script. */
(function () {
  "use strict";

  function enhancePasswordMode(form) {
    var radios = form.querySelectorAll("input[name=password_mode]");
    var typed = form.querySelector(".typed-password");
    if (!radios.length || !typed) return;
    function update() {
      var checked = form.querySelector("input[name=password_mode]:checked");
      typed.hidden = Boolean(checked) && checked.value !== "typed";
    }
    radios.forEach(function (radio) { radio.addEventListener("change", update); });
    update();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.onboarding").forEach(enhancePasswordMode);
    document.querySelectorAll("button.print-page").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
