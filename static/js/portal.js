/* The online petition form's browser check (proof of work, portal/captcha.py). No inline script (CSP).
 *
 * As soon as the page opens, a worker (portal_pow_worker.js) solves the challenge the page carries
 * (#pow-challenge) and the solution goes into the hidden field "altcha". At submit: a solution still
 * valid for a while is posted as it is; otherwise (still solving, failed, or about to expire after a
 * long time spent writing) the submit waits for the solving, or fetches a new challenge from
 * data-url and solves it, then submits. Without JavaScript the <noscript> note says that the check
 * needs it, and the server refuses the post with the same explanation.
 */
(function () {
  "use strict";
  var MARGIN_MS = 30 * 1000;  // a solution closer than this to its expiry is replaced before posting

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("pow-status");
    var data = document.getElementById("pow-challenge");
    if (!status || !data || !window.Worker) { return; }
    var form = status.closest("form");
    var input = form.querySelector("input[name=altcha]");
    var solving = null;
    var expires = 0;
    var sending = false;

    function show(text, failed) {
      status.hidden = false;
      status.textContent = text;
      status.className = "js-pow " + (failed ? "error" : "muted");
    }

    function expiryOf(challenge) {
      var match = /[?&]expires=(\d+)/.exec(challenge.salt);
      return match ? Number(match[1]) * 1000 : 0;
    }

    function solve(challenge) {
      input.value = "";
      show(status.getAttribute("data-working"), false);
      solving = new Promise(function (resolve, reject) {
        var worker = new Worker(status.getAttribute("data-worker"));
        worker.onmessage = function (event) {
          worker.terminate();
          if (event.data.number === null) { reject(new Error("unsolved")); return; }
          input.value = btoa(JSON.stringify({
            algorithm: challenge.algorithm, challenge: challenge.challenge, number: event.data.number,
            salt: challenge.salt, signature: challenge.signature, took: event.data.took
          }));
          expires = expiryOf(challenge);
          status.setAttribute("data-took", String(event.data.took));
          show(status.getAttribute("data-done"), false);
          resolve();
        };
        worker.onerror = function (event) {
          event.preventDefault();
          worker.terminate();
          reject(new Error("worker"));
        };
        worker.postMessage(challenge);
      });
      solving.catch(function () { show(status.getAttribute("data-failed"), true); });
      return solving;
    }

    function solveFresh() {
      return fetch(status.getAttribute("data-url"), {credentials: "same-origin", cache: "no-store"})
        .then(function (response) {
          if (!response.ok) { throw new Error("challenge " + response.status); }
          return response.json();
        })
        .then(solve);
    }

    function fresh() { return input.value !== "" && expires - Date.now() > MARGIN_MS; }

    form.addEventListener("submit", function (event) {
      if (fresh()) { return; }  // solved and still valid: post as it is
      event.preventDefault();
      if (sending) { return; }
      sending = true;
      var ready = input.value === "" && solving ? solving.then(function () {
        if (!fresh()) { return solveFresh(); }
      }, solveFresh) : solveFresh();
      ready.then(function () {
        sending = false;
        form.submit();
      }, function () {
        sending = false;
        show(status.getAttribute("data-failed"), true);
      });
    });

    solve(JSON.parse(data.textContent));
  });
})();
