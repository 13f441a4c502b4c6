/* Entry forms (来访登记 / 来信登记 / 上级交办): keyboard helpers, person blocks and the
 * "possible earlier cases" panel. Everything works without this file; it only makes the page
 * faster to use. No inline script (CSP). */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  if (!form) { return; }

  // Enter in a one-line field moves to the next field instead of submitting half a form.
  form.addEventListener("keydown", function (event) {
    var t = event.target;
    if (event.key !== "Enter" || event.isComposing || t.tagName !== "INPUT") { return; }
    if (["submit", "button", "checkbox", "radio", "file"].indexOf(t.type) >= 0) { return; }
    event.preventDefault();
    var fields = Array.prototype.filter.call(
      form.querySelectorAll("input, select, textarea, button"),
      function (el) { return !el.disabled && el.type !== "hidden" && el.offsetParent !== null; });
    var next = fields[fields.indexOf(t) + 1];
    if (next) { next.focus(); }
  });

  // After a failed save, start at the first field in error (autofocus is on the first field).
  var firstError = form.querySelector(".has-error input, .has-error select, .has-error textarea");
  if (firstError) { firstError.focus(); }

  // --- person blocks: show the first, reveal more on demand (up to 5) ---------------------------
  var blocks = Array.prototype.slice.call(form.querySelectorAll(".person-block"));
  var addButton = form.querySelector(".js-add-person");

  function isEmpty(block) {
    if (block.querySelector(".error")) { return false; }
    return Array.prototype.every.call(block.querySelectorAll("input, select, textarea"), function (el) {
      if (el.tagName === "SELECT") { return el.selectedIndex <= 0 || el.name.slice(-8) === "-id_type"; }
      return !el.value;
    });
  }

  function refreshAddButton() {
    if (!addButton) { return; }
    addButton.hidden = !blocks.some(function (b) { return b.hidden; });
  }

  blocks.forEach(function (block, i) { if (i > 0 && isEmpty(block)) { block.hidden = true; } });
  refreshAddButton();
  if (addButton) {
    addButton.addEventListener("click", function () {
      var next = blocks.filter(function (b) { return b.hidden; })[0];
      if (!next) { return; }
      next.hidden = false;
      var first = next.querySelector("input, select");
      if (first) { first.focus(); }
      refreshAddButton();
    });
  }

  // --- 越级: proposed when the visit went above the level of the matter's territory ---------------
  // (petitions/domain/levels.py; a repeat of a matter handled below is not 越级). Once the clerk
  // has ticked or cleared the box himself, his choice stands.
  var skipData = document.getElementById("skip-level-data");
  var skipBox = form.querySelector("[name=is_skip_level]");
  if (skipData && skipBox) {
    var levels = JSON.parse(skipData.textContent);
    var levelSelect = form.querySelector("[name=visit_level]");
    var regionSelect = form.querySelector("[name=problem_region]");
    var repeatBox = form.querySelector("[name=is_repeat]");
    var decided = false;
    skipBox.addEventListener("change", function () { decided = true; });
    var propose = function () {
      if (decided || !levelSelect || !regionSelect) { return; }
      var rank = levels.levels[levelSelect.value];
      var proper = levels.regions[regionSelect.value];
      skipBox.checked = !!(rank && proper && rank > proper && !(repeatBox && repeatBox.checked));
    };
    [levelSelect, regionSelect, repeatBox].forEach(function (el) {
      if (el) { el.addEventListener("change", propose); }
    });
    if (!form.querySelector(".has-error")) { propose(); }
  }

  // --- possible earlier cases ------------------------------------------------------------------
  var panel = document.getElementById("similar-panel");
  var url = form.getAttribute("data-similar-url");
  var watched = /^(petitioners-\d+-(id_number|name|phone)|content|problem_region)$/;
  var timer = null, lastQuery = null;

  function query() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name && (watched.test(el.name) || el.name === "csrfmiddlewaretoken") && el.value) {
        params.append(el.name, el.value);
      }
    });
    return params;
  }

  function cell(row, text) {
    var td = document.createElement("td");
    if (text !== undefined) { td.textContent = text; }
    row.appendChild(td);
    return td;
  }

  function render(results) {
    var rows = panel.querySelector(".js-similar-rows");
    var table = panel.querySelector(".js-similar-table");
    var empty = panel.querySelector(".js-similar-empty");
    // A later lookup (the clerk went on typing) must not undo a mark or drop the keyboard focus.
    var first = document.getElementById("id_first_case");
    var marked = first ? first.value.trim() : "";
    var active = document.activeElement;
    var focused = active && panel.contains(active) && active.classList.contains("js-mark-repeat") ?
      active.getAttribute("data-number") : null;
    var refocus = null;
    while (rows.firstChild) { rows.removeChild(rows.firstChild); }
    results.forEach(function (hit) {
      var tr = document.createElement("tr");
      var link = document.createElement("a");
      link.href = hit.url;
      link.target = "_blank";
      link.rel = "noopener";
      link.textContent = hit.number;
      cell(tr).appendChild(link);
      cell(tr, hit.date);
      var badge = document.createElement("span");
      badge.className = "badge " + (hit.badge || "");
      badge.textContent = hit.status_label;
      cell(tr).appendChild(badge);
      cell(tr, hit.reasons.join("；"));
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small js-mark-repeat";
      button.setAttribute("data-number", hit.number);
      button.textContent = panel.getAttribute(hit.number === marked ? "data-marked-label" : "data-mark-label");
      if (hit.number === focused) { refocus = button; }
      cell(tr).appendChild(button);
      rows.appendChild(tr);
    });
    table.hidden = results.length === 0;
    empty.hidden = results.length > 0;
    if (refocus) { refocus.focus(); }
  }

  function lookup() {
    var params = query();
    var key = params.toString();
    if (key === lastQuery) { return; }
    lastQuery = key;
    fetch(url, {
      method: "POST", body: params, credentials: "same-origin",
      headers: { "X-CSRFToken": params.get("csrfmiddlewaretoken") || "", "X-Requested-With": "XMLHttpRequest" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (data && key === lastQuery) { render(data.results); }
    }).catch(function () { lastQuery = null; });
  }

  function schedule(event) {
    if (!event.target.name || !watched.test(event.target.name)) { return; }
    clearTimeout(timer);
    timer = setTimeout(lookup, 500);
  }

  if (panel && url && window.fetch) {
    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
  }

  // 标记为重访: fill 是否重访 + 初访编号 and put the focus there.
  if (panel) {
    panel.addEventListener("click", function (event) {
      var button = event.target.closest(".js-mark-repeat");
      if (!button) { return; }
      var repeat = document.getElementById("id_is_repeat");
      var first = document.getElementById("id_first_case");
      if (repeat) { repeat.checked = true; }
      if (first) { first.value = button.getAttribute("data-number"); first.focus(); }
      Array.prototype.forEach.call(panel.querySelectorAll(".js-mark-repeat"), function (b) {
        b.textContent = panel.getAttribute("data-mark-label");
      });
      button.textContent = panel.getAttribute("data-marked-label");
    });
  }
})();
