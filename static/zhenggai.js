/* Small progressive touches; every page works without them. No inline script anywhere (Content-Security-Policy). */
(function () {
  "use strict";

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

  // The ledger's address keeps only the filters in use, so a view can be bookmarked and shared. Nothing submits on
  // change: a keyboard user moving through a list must not be sent to another page (WCAG 3.2.2).
  function filters(root) {
    root.querySelectorAll("form[data-filters]").forEach(function (form) {
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(form.elements, function (el) {
          if (el.name && !el.value) { el.disabled = true; }
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    dropzones(document); confirms(document); filters(document);
  });
})();
