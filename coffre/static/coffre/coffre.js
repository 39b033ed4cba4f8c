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

    var errorBox = form.querySelector(".upload-error");

    function showError(text) {
      errorBox.textContent = text;
      errorBox.hidden = false;
      progress.hidden = true;
      send.disabled = false;
      send.textContent = sendLabel;
    }

    var sendLabel = send.textContent;
    form.addEventListener("submit", function (event) {
      if (!window.FormData || !window.XMLHttpRequest) return;
      event.preventDefault();
      errorBox.hidden = true;
      var files = [];
      inputs.forEach(function (input) {
        Array.prototype.forEach.call(input.files, function (file) { files.push(file); });
      });
      if (!files.length) {
        showError(form.dataset.none);
        return;
      }
      var maxBytes = parseInt(form.dataset.maxBytes, 10);
      // Refuse before sending: on 3G, a file the server would refuse costs minutes and money.
      for (var i = 0; i < files.length; i++) {
        if (maxBytes && files[i].size > maxBytes) {
          showError(form.dataset.tooBig.replace("%(name)s", files[i].name));
          return;
        }
      }
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
        var next = xhr.getResponseHeader("X-Redirect");
        if (xhr.status === 204 && next) {
          window.location.assign(next);
        } else {
          showError(form.dataset.failed);
        }
      });
      xhr.addEventListener("error", function () { showError(form.dataset.failed); });
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
    document.querySelectorAll("button.print-page").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { window.print(); });
    });
  });
})();
