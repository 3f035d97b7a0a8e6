// Batch progress bar: polls the JSON progress while the batch runs. Without JS the page shows
// the state at load time and a reload refreshes it.
(function () {
  var box = document.getElementById("batch-progress");
  if (!box) { return; }
  var bar = box.querySelector(".report-progress");
  function done(s) { return s === "done" || s === "failed"; }
  function tick() {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (p) {
        bar.setAttribute("aria-valuenow", p.percent);
        bar.firstElementChild.style.width = p.percent + "%";
        ["status_display", "done", "total", "failed"].forEach(function (k) {
          var el = box.querySelector('[data-field="' + k + '"]');
          if (el) { el.textContent = p[k]; }
        });
        if (done(p.status)) { window.location.reload(); } else { setTimeout(tick, 2000); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  if (!done(box.dataset.status)) { setTimeout(tick, 1500); }
})();
