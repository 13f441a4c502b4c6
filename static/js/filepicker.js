/* File inputs (accounts/widgets.py FileInput): the browser's own button speaks the browser's
 * language ("Choose Files", "No file chosen"). Here the native input is hidden (it stays focusable
 * and keeps working) behind the label "选择文件", and the chosen names are shown beside it in
 * Chinese. Without this file the native input shows as it is. No inline script (CSP). */
(function () {
  "use strict";

  function enhance(box) {
    var input = box.querySelector("input[type=file]");
    var names = box.querySelector(".file-picker-names");
    if (!input || !names || box.classList.contains("enhanced")) { return; }
    box.classList.add("enhanced");
    function show() {
      var chosen = Array.prototype.map.call(input.files || [], function (f) { return f.name; });
      if (!chosen.length) {
        names.textContent = box.getAttribute("data-empty");
      } else if (chosen.length === 1) {
        names.textContent = chosen[0];
      } else {
        names.textContent = box.getAttribute("data-many").replace("%(n)s", chosen.length) + chosen.join("、");
      }
    }
    input.addEventListener("change", show);
    show();
  }

  function enhanceAll() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-file-picker]"), enhance);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhanceAll);
  } else {
    enhanceAll();
  }
})();
