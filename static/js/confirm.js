/* A button or link marked data-confirm="…" asks before it acts (删除账号, 删除角色): the browser's
 * own confirm dialog with the text of the attribute; Cancel stops the submit or the navigation.
 * Without JavaScript the action happens as before, and the server still checks it. No inline
 * script (CSP). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
    if (!target) { return; }
    if (!window.confirm(target.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
