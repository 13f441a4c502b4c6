// 数据导入: the progress bar of a running check or import polls the job's status once a second and
// reloads the page when the job has finished (petitions/views/history_import.py).
(function () {
  "use strict";
  var box = document.getElementById("history-progress");
  if (!box) { return; }
  var bar = document.getElementById("history-progress-bar");
  var text = document.getElementById("history-progress-text");
  var stale = document.getElementById("history-progress-stale");
  var url = box.getAttribute("data-status-url");

  function poll() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { window.setTimeout(poll, 3000); return; }
        bar.value = data.percent;
        text.textContent = data.total ? data.done + " / " + data.total + "（" + data.percent + "%）" : data.done || "";
        if (data.finished) { window.location.reload(); return; }
        if (data.stale) { stale.hidden = false; return; }
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
}());
