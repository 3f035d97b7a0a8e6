// Score run progress bar: polls the run's small JSON fragment until the run is done, then reloads.
(function () {
  var box = document.getElementById("run-progress");
  if (!box || box.dataset.done === "1") { return; }
  var url = box.dataset.progressUrl;
  var bar = box.querySelector("[data-role=bar]");
  var label = box.querySelector("[data-role=label]");
  var chunks = box.querySelector("[data-role=chunks]");
  function tick() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        bar.style.width = d.percent + "%";
        bar.parentNode.setAttribute("aria-valuenow", d.percent);
        label.textContent = d.label;
        chunks.textContent = d.chunks_done + "/" + d.chunks_total;
        if (d.done) { window.location.reload(); } else { setTimeout(tick, 1500); }
      })
      .catch(function () { setTimeout(tick, 5000); });
  }
  setTimeout(tick, 1000);
})();
