/* Small progressive touches; every page works without them. No inline script anywhere (Content-Security-Policy). */
(function () {
  "use strict";

  // A select marked data-autosubmit submits its form on change (the language switch); its button is then hidden.
  function autosubmit(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll(".js-hide").forEach(function (el) { el.hidden = true; });
  }

  // Evidence: drop several files on the zone, or pick them; the list shows what will be uploaded.
  function dropzones(root) {
    root.querySelectorAll("[data-dropzone]").forEach(function (zone) {
      var input = zone.querySelector("input[type=file]");
      var list = zone.querySelector(".files");
      if (!input) { return; }
      function show() {
        if (!list) { return; }
        list.textContent = "";
        Array.prototype.forEach.call(input.files, function (f) {
          var li = document.createElement("li");
          li.textContent = f.name + " (" + Math.max(1, Math.round(f.size / 1024)) + " KB)";
          list.appendChild(li);
        });
      }
      ["dragenter", "dragover"].forEach(function (type) {
        zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
      });
      ["dragleave", "drop"].forEach(function (type) {
        zone.addEventListener(type, function () { zone.classList.remove("over"); });
      });
      zone.addEventListener("drop", function (e) {
        e.preventDefault();
        if (!e.dataTransfer || !e.dataTransfer.files.length) { return; }
        var merged = new DataTransfer();
        Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
        Array.prototype.forEach.call(e.dataTransfer.files, function (f) { merged.items.add(f); });
        input.files = merged.files;
        show();
      });
      input.addEventListener("change", show);
    });
  }

  // A form whose button carries data-confirm asks before it submits.
  function confirms(root) {
    root.querySelectorAll("[data-confirm]").forEach(function (button) {
      button.addEventListener("click", function (e) {
        if (!window.confirm(button.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  }

  function enhance(root) { autosubmit(root); dropzones(root); confirms(root); }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSwap", function (e) { enhance(e.target); });
})();
