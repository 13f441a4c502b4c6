/* 身份证号 check by GB 11643-1999, the same rule as petitions/idcard.py (tests run both over
 * the same vectors: tests/petitions/test_idcard.py). Runs as the clerk types: shows ✓ or the
 * error next to the field and fills 性别/年龄 when they are empty. No inline script (CSP). */
(function (root) {
  "use strict";

  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK_CHARS = "10X98765432";
  // GB/T 2260 province-level codes; below that only the shape is checked (codes change yearly).
  var PROVINCES = ["11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82"];
  var MESSAGES = {
    length: "身份证号应为18位。",
    chars: "身份证号前17位应为数字，最后一位为数字或X。",
    region: "身份证号的地址码（前6位）无效。",
    date: "身份证号中的出生日期不是有效日期。",
    future: "身份证号中的出生日期晚于今天。",
    check: "身份证号校验位不正确，请核对。"
  };

  function checkChar(body17) {
    var total = 0;
    for (var i = 0; i < 17; i++) { total += Number(body17.charAt(i)) * WEIGHTS[i]; }
    return CHECK_CHARS.charAt(total % 11);
  }

  function daysInMonth(y, m) {
    if (m === 2) { return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28; }
    return [4, 6, 9, 11].indexOf(m) >= 0 ? 30 : 31;
  }

  function toParts(today) {
    if (typeof today === "string") {
      var p = today.split("-");
      return [Number(p[0]), Number(p[1]), Number(p[2])];
    }
    var d = today || new Date();
    return [d.getFullYear(), d.getMonth() + 1, d.getDate()];
  }

  function compare(a, b) {
    for (var i = 0; i < 3; i++) { if (a[i] !== b[i]) { return a[i] < b[i] ? -1 : 1; } }
    return 0;
  }

  function fail(code) { return { ok: false, code: code, message: MESSAGES[code] }; }

  /* parse(value, today) → {ok:true, number, birth:"YYYY-MM-DD", sex:"M"|"F", age}
   *                     or {ok:false, code, message}; today: Date or "YYYY-MM-DD". */
  function parse(value, today) {
    var stripped = String(value == null ? "" : value).trim();
    // Full-width and other non-ASCII digits are refused, as petitions/services/intake.py does.
    if (/[^\x00-\x7f]/.test(stripped)) { return fail(stripped.length === 18 ? "chars" : "length"); }
    var number = stripped.toUpperCase();
    if (number.length !== 18) { return fail("length"); }
    if (!/^[0-9]{17}[0-9X]$/.test(number)) { return fail("chars"); }
    if (PROVINCES.indexOf(number.slice(0, 2)) < 0 || number.slice(2, 6) === "0000") { return fail("region"); }
    var y = Number(number.slice(6, 10)), m = Number(number.slice(10, 12)), d = Number(number.slice(12, 14));
    if (y < 1 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) { return fail("date"); }
    var now = toParts(today);
    if (compare([y, m, d], now) > 0) { return fail("future"); }
    if (y < 1880) { return fail("date"); }
    if (checkChar(number.slice(0, 17)) !== number.charAt(17)) { return fail("check"); }
    var age = now[0] - y - (compare([now[0], m, d], now) > 0 ? 1 : 0);
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return { ok: true, number: number, birth: y + "-" + pad(m) + "-" + pad(d),
      sex: Number(number.charAt(16)) % 2 ? "M" : "F", age: age };
  }

  var api = { parse: parse, checkChar: checkChar, PROVINCES: PROVINCES, MESSAGES: MESSAGES };
  root.XfIdCard = api;
  if (typeof module !== "undefined" && module.exports) { module.exports = api; }

  if (typeof document === "undefined") { return; }

  // --- live check on the entry forms -----------------------------------------------------------
  var SEX_LABELS = { M: "男", F: "女" };

  function sibling(input, name) {
    return document.getElementById(input.id.replace(/id_number$/, name));
  }

  function clearServerErrors(input) {
    var field = input.closest(".field");
    if (!field || !field.classList.contains("has-error")) { return; }
    Array.prototype.forEach.call(field.querySelectorAll(".error"), function (el) { el.remove(); });
    field.classList.remove("has-error");
  }

  function show(input, final, typed) {
    var out = document.getElementById(input.id + "_check");
    var idType = sibling(input, "id_type");
    if (!out) { return; }
    out.className = "idcheck";
    out.textContent = "";
    var value = input.value.trim();
    if (!value || (idType && idType.value !== "resident_id")) { return; }
    if (value.length < 18 && !final) { return; }
    var info = parse(value);
    if (!info.ok) {
      out.className = "idcheck bad";
      out.textContent = "✗ " + info.message;
      return;
    }
    // The number is now valid: a message the server gave for an earlier, wrong number no longer
    // applies and goes, so the page never says "valid" and "invalid" at once.
    clearServerErrors(input);
    // A number the clerk has just typed sets 性别/年龄 (the server refuses them when they disagree
    // with a valid number, so a corrected number brings its own); on a page as loaded they are only
    // filled when empty and flagged when they disagree.
    var sex = sibling(input, "sex"), age = sibling(input, "age"), notes = [];
    if (sex && (!sex.value || typed)) { sex.value = info.sex; } else if (sex && sex.value !== info.sex) {
      notes.push("性别与身份证号不符");
    }
    if (typed) { [sex, age].forEach(function (el) { if (el) { clearServerErrors(el); } }); }
    if (age && (age.value === "" || typed)) { age.value = String(info.age); }
    else if (age && Number(age.value) !== info.age) {
      notes.push("年龄与身份证号不符");
    }
    out.className = notes.length ? "idcheck bad" : "idcheck ok";
    out.textContent = "✓ " + SEX_LABELS[info.sex] + "，" + info.age + "岁，出生日期 " + info.birth +
      (notes.length ? "；" + notes.join("，") : "");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inputs = document.querySelectorAll("input.js-idcard");
    Array.prototype.forEach.call(inputs, function (input) {
      var typed = input.value;
      input.addEventListener("input", function () { show(input, false, true); });
      input.addEventListener("input", function () {
        // A number that differs from the one the server judged: its message is out of date.
        if (input.value !== typed) { clearServerErrors(input); }
      });
      input.addEventListener("change", function () { show(input, true, true); });
      // After a failed save the server's message is already next to the field.
      if (input.value && !input.closest(".has-error")) { show(input, true); }
    });
  });
})(typeof window !== "undefined" ? window : globalThis);
