/* Small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  function formatPercent(loaded, total) {
    return total ? Math.round((100 * loaded) / total) : 0;
  }

  /* The upload form keeps its own ordered list of chosen files, so that photos taken one by one
     add up, and pages can be put in order or removed before anything is sent. */
  function enhanceUpload(form) {
    var chosen = form.querySelector(".chosen");
    var inputs = form.querySelectorAll("input[type=file]");
    var progress = form.querySelector(".progress");
    var bar = progress.querySelector("progress");
    var text = progress.querySelector(".progress-text");
    var send = form.querySelector(".send");
    var together = form.querySelector(".together");
    var errorBox = form.querySelector(".upload-error");
    var files = [];

    function isPicture(file) {
      return file.type.indexOf("image/") === 0 || /\.(heic|heif)$/i.test(file.name);
    }

    function button(label, symbol, onClick) {
      var element = document.createElement("button");
      element.type = "button";
      element.className = "secondary small page-action";
      element.setAttribute("aria-label", label);
      element.title = label;
      element.textContent = symbol;
      element.addEventListener("click", onClick);
      return element;
    }

    function render() {
      chosen.querySelectorAll("img").forEach(function (img) { URL.revokeObjectURL(img.src); });
      chosen.textContent = "";
      files.forEach(function (file, index) {
        var item = document.createElement("li");
        item.className = "chosen-page";
        if (isPicture(file) && window.URL && URL.createObjectURL) {
          var img = document.createElement("img");
          img.alt = "";
          img.src = URL.createObjectURL(file);
          img.addEventListener("error", function () { img.replaceWith(document.createTextNode("🖼")); });
          item.appendChild(img);
        } else {
          item.appendChild(document.createTextNode("📄"));
        }
        var label = document.createElement("span");
        label.className = "chosen-name";
        var number = document.createElement("strong");
        number.textContent = form.dataset.page.replace("%(number)s", index + 1);
        var name = document.createElement("small");
        name.textContent = file.name;
        label.appendChild(number);
        label.appendChild(name);
        item.appendChild(label);
        var actions = document.createElement("span");
        actions.className = "chosen-actions";
        if (index > 0) {
          actions.appendChild(button(form.dataset.up, "↑", function () {
            files.splice(index - 1, 0, files.splice(index, 1)[0]);
            render();
          }));
        }
        if (index < files.length - 1) {
          actions.appendChild(button(form.dataset.down, "↓", function () {
            files.splice(index + 1, 0, files.splice(index, 1)[0]);
            render();
          }));
        }
        actions.appendChild(button(form.dataset.remove, "✕", function () {
          files.splice(index, 1);
          render();
        }));
        item.appendChild(actions);
        chosen.appendChild(item);
      });
      if (together) {
        together.hidden = files.filter(isPicture).length < 2;
      }
    }

    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        Array.prototype.forEach.call(input.files, function (file) { files.push(file); });
        input.value = "";  // the same button can take the next page
        errorBox.hidden = true;
        render();
      });
    });
    render();

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
      var data = new FormData(form);
      data.delete("files");
      files.forEach(function (file) { data.append("files", file, file.name); });
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
      xhr.send(data);
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
