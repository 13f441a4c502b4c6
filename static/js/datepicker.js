/* Date inputs (accounts/widgets.py DateInput): a calendar in Chinese whatever the browser's
 * language, from the vendored air-datepicker (static/vendor/air-datepicker). The input stays a
 * plain text field for 年-月-日: typing works with or without this file, and the server checks
 * the date either way. No inline script (CSP). */
(function () {
  "use strict";
  if (typeof window.AirDatepicker !== "function") { return; }

  var ZH = {
    days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
    daysShort: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
    daysMin: ["日", "一", "二", "三", "四", "五", "六"],
    months: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    monthsShort: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
    today: "今天",
    clear: "清除",
    dateFormat: "yyyy-MM-dd",
    timeFormat: "HH:mm",
    firstDay: 1
  };
  var ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;

  function parse(text) {
    var m = ISO.exec((text || "").trim());
    if (!m) { return null; }
    var d = new Date(+m[1], +m[2] - 1, +m[3]);
    return d.getMonth() === +m[2] - 1 && d.getDate() === +m[3] ? d : null;
  }

  function attach(input) {
    if (input.disabled || input.readOnly || input.getAttribute("data-datepicker-ready")) { return; }
    input.setAttribute("data-datepicker-ready", "1");
    var initial = parse(input.value);
    var picker = new window.AirDatepicker(input, {
      locale: ZH,
      dateFormat: "yyyy-MM-dd",
      // A format token must end at a space, punctuation or a tag: "年" goes in its own element.
      navTitles: { days: "yyyy<span>年</span>MMMM", months: "yyyy<span>年</span>",
                   years: "yyyy1<span>年</span> — yyyy2<span>年</span>" },
      autoClose: true,
      keyboardNav: true,
      // 今天 picks today (the library's own button only shows today's month).
      buttons: [{ content: ZH.today, onClick: function (dp) { dp.selectDate(new Date()); } }, "clear"],
      selectedDates: initial ? [initial] : [],
      onSelect: function () {
        // Other scripts and the browser's form state see the picked date like a typed one.
        input.dispatchEvent(new Event("input", { bubbles: true }));
        input.dispatchEvent(new Event("change", { bubbles: true }));
      }
    });
    // A date typed in full moves the calendar to it (without rewriting what is being typed).
    input.addEventListener("input", function (event) {
      if (!event.isTrusted) { return; }
      var typed = parse(input.value);
      if (typed) {
        picker.selectDate(typed, { silent: true });
        picker.setViewDate(typed);
      }
    });
  }

  function attachAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll("input[data-datepicker]"), attach);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { attachAll(); });
  } else {
    attachAll();
  }
  window.xfDatepickerAttach = attachAll;  // for rows a page adds later
})();
