// 打印 buttons: any element with data-print opens the browser's print dialog (CSP forbids inline handlers).
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function (event) {
      event.preventDefault();
      window.print();
    });
  });
});
