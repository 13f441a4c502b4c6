/* Portal forms: "换一张" draws a new captcha image (the server keeps the answer in the session).
 * No inline script (CSP). Without JavaScript the image simply stays; a wrong answer brings a new one. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var button = document.querySelector(".js-captcha-refresh");
    var image = document.querySelector(".captcha-img");
    if (!button || !image) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      image.src = button.getAttribute("data-src") + "?new=" + Date.now();
      var input = document.getElementById("id_captcha");
      if (input) { input.value = ""; input.focus(); }
    });
  });
})();
