// Progressive enhancement only; every page works without it.
(function () {
  // A form submitted twice (double tap on a phone) sends once.
  document.addEventListener("submit", function (e) {
    var f = e.target;
    if (f.dataset.submitted === "1") { e.preventDefault(); return; }
    f.dataset.submitted = "1";
    setTimeout(function () { f.dataset.submitted = ""; }, 8000);
  }, true);
  // Elements with data-confirm ask before submitting.
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-confirm]");
    if (el && !window.confirm(el.dataset.confirm)) { e.preventDefault(); }
  });
})();
