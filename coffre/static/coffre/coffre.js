/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  function formatPercent(loaded, total) {
    return total ? Math.round((100 * loaded) / total) : 0;
  }

  function enhanceUpload(form) {
    var chosen = form.querySelector(".chosen");
    var inputs = form.querySelectorAll("input[type=file]");
    var progress = form.querySelector(".progress");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".progress-text");
    var send = form.querySelector(".send");

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        chosen.textContent = "";
        inputs.forEach(function (each) {
          Array.prototype.forEach.call(each.files, function (file) {
            var item = document.createElement("li");
            item.textContent = "📄 " + file.name;
            chosen.appendChild(item);
          });
        });
      });
    });

    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Coffre-Upload", "1");
      progress.hidden = false;
      send.disabled = true;
      send.textContent = send.dataset.sending;
      xhr.upload.addEventListener("progress", function (e) {
        var percent = formatPercent(e.loaded, e.total);
        bar.value = percent;
        text.textContent = percent + " %";
      });
      xhr.addEventListener("load", function () {
        window.location.assign(xhr.getResponseHeader("X-Redirect") || window.location.href);
      });
      xhr.addEventListener("error", function () {
        window.location.reload();
      });
      xhr.send(new FormData(form));
    });
  }

  function enhancePasswordToggle(button) {
    var input = document.getElementById(button.dataset.target);
    button.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? button.dataset.hide : button.dataset.show;
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".upload-form").forEach(enhanceUpload);
    document.querySelectorAll(".toggle-password").forEach(enhancePasswordToggle);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.dataset.confirm)) event.preventDefault();
      });
    });
    document.querySelectorAll("select.autosubmit").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
  });
})();
