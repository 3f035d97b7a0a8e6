// Review list, progressive enhancement: decide in place. Without this file each form posts and
// the page comes back at the next card with the message naming what was done.
(function () {
  function say(card, text, ok) {
    var p = document.createElement("p");
    p.className = "msg " + (ok ? "msg-success" : "msg-error");
    p.setAttribute("role", "status");
    p.tabIndex = -1;
    p.textContent = text;
    if (ok) {
      card.innerHTML = "";
      card.classList.add("review-done");
      card.appendChild(p);
    } else {
      var old = card.querySelector(".msg");
      if (old) { old.remove(); }
      card.insertBefore(p, card.querySelector(".review-actions"));
    }
    p.focus();
  }
  document.querySelectorAll("form[data-review-form]").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (!window.fetch || !window.FormData) { return; }
      e.preventDefault();
      var card = form.closest("[data-review-card]");
      var buttons = card.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (data) { return { ok: r.ok && data.ok, data: data }; });
      }).then(function (res) {
        buttons.forEach(function (b) { b.disabled = false; });
        say(card, res.data.message, res.ok);
      }).catch(function () {
        // No answer (network down, or not JSON): post the ordinary way.
        buttons.forEach(function (b) { b.disabled = false; });
        form.submit();
      });
    });
  });
})();
