/* Long organization lists (<select class="js-searchable">): a search box above the list filters its
 * options by any part of the name or by the code's beginning, so that a unit among hundreds is found
 * by typing, in Chinese or digits. The select itself stays the form field (works without this file).
 * No inline script (CSP). */
(function () {
  "use strict";
  var placeholder = document.documentElement.lang === "en" ? "Type a name or code to filter" : "输入名称或代码筛选";
  Array.prototype.forEach.call(document.querySelectorAll("select.js-searchable"), function (select) {
    if (select.options.length < 15) { return; }
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-search";
    box.placeholder = placeholder;
    box.setAttribute("aria-label", placeholder);
    select.parentNode.insertBefore(box, select);
    box.addEventListener("input", function () {
      var term = box.value.trim().toLowerCase();
      var first = null;
      Array.prototype.forEach.call(select.options, function (option) {
        var code = (option.getAttribute("data-code") || "").toLowerCase();
        var match = !term || !option.value || option.text.toLowerCase().indexOf(term) >= 0 || code.indexOf(term) === 0;
        option.hidden = !match;
        if (match && option.value && first === null) { first = option; }
      });
      // The first match is taken when nothing real is chosen yet (none, or the empty "—") or the choice was filtered out.
      if (term && first !== null && (select.selectedIndex < 0 || !select.value || select.options[select.selectedIndex].hidden)) {
        select.value = first.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); select.focus(); }
    });
  });
})();
