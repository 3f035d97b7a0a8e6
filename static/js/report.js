// Reporting on a phone (进度报送), progressive enhancement: without this file the form posts as usual.
// - "已完成，拍照上传" marks the item done and opens the camera in one tap.
// - Photos are downscaled here before upload (canvas, long side <= 1600 px, JPEG).
// - A submission that cannot reach the server is kept on the phone (IndexedDB, the outbox) and
//   sent when the network returns; the page says "待发送". Every page runs the outbox.
// - A refused file is named at the top of the page; the other files stay chosen.
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var DB_NAME = "pb-outbox";
  var STORE = "reports";
  var main = document.getElementById("main");
  var words = {};  // translated in templates/components/_report_i18n.html
  try { words = JSON.parse(document.getElementById("report-i18n").textContent); } catch (e) { words = {}; }
  function t(key, params) {
    var s = words[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(String(params[k])); });
    return s;
  }

  // --- the outbox (IndexedDB) ---------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      if (!window.indexedDB) { reject(new Error("no IndexedDB")); return; }
      var req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "key" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, fn) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode);
        var out = fn(t.objectStore(STORE));
        t.oncomplete = function () { db.close(); resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { db.close(); reject(t.error); };
      });
    });
  }
  function queueAll() { return tx("readonly", function (s) { return s.getAll(); }); }
  function queuePut(entry) { return tx("readwrite", function (s) { s.put(entry); }); }
  function queueDelete(key) { return tx("readwrite", function (s) { s.delete(key); }); }

  function banner() {
    var el = document.getElementById("outbox-status");
    if (!el && main) {
      el = document.createElement("div");
      el.id = "outbox-status";
      el.className = "outbox-status";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      main.insertBefore(el, main.firstChild);
    }
    return el;
  }
  function showQueue() {
    return queueAll().then(function (entries) {
      var el = banner();
      if (!el) { return entries; }
      el.textContent = "";
      el.hidden = !entries.length;
      if (entries.length) {
        var p = document.createElement("p");
        p.textContent = t("queued", { n: entries.length,
          titles: entries.map(function (e) { return e.title; }).join(t("sep")) });
        el.appendChild(p);
      }
      return entries;
    }).catch(function () { return []; });
  }
  function note(text, isError) {
    var el = banner();
    if (!el) { return; }
    var p = document.createElement("p");
    p.className = isError ? "error" : "sent";
    p.textContent = text;
    el.hidden = false;
    el.appendChild(p);
  }

  function formData(entry) {
    var fd = new FormData();
    entry.fields.forEach(function (kv) { fd.append(kv[0], kv[1]); });
    entry.files.forEach(function (f) { fd.append(f.field, f.blob, f.name); });
    return fd;
  }
  // Posts one submission. Resolves {sent: true, data} / {refused: true, data} / {kept: true}.
  function send(entry) {
    return fetch(entry.url, {
      method: "POST", body: formData(entry), credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (r) {
      var type = r.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") < 0) { return { kept: true, status: r.status, login: r.redirected }; }
      return r.json().then(function (data) {
        return r.ok && data.ok ? { sent: true, data: data } : { refused: true, data: data };
      });
    }, function () { return { kept: true }; });
  }

  var flushing = false;
  function flush() {
    if (flushing || navigator.onLine === false) { return Promise.resolve(); }
    flushing = true;
    return queueAll().then(function (entries) {
      return entries.reduce(function (p, entry) {
        return p.then(function () {
          return send(entry).then(function (res) {
            if (res.kept) {
              if (res.login) { note(t("login", { title: entry.title }), true); }
              return null;
            }
            return queueDelete(entry.key).then(function () {
              if (res.sent) {
                note(t("sent", { title: entry.title }), false);
                if (location.pathname === res.data.redirect) { location.reload(); }
              } else {
                note(t("refused", { title: entry.title, errors: (res.data.errors || []).join(" ") }), true);
              }
            });
          });
        });
      }, Promise.resolve());
    }).catch(function () { return null; }).then(function () { flushing = false; return showQueue(); });
  }
  window.addEventListener("online", flush);
  setInterval(function () { queueAll().then(function (e) { if (e.length) { flush(); } }).catch(function () {}); }, 15000);
  showQueue().then(function (entries) { if (entries.length) { flush(); } });

  // --- the report form -----------------------------------------------------------------------------
  var form = document.querySelector("form[data-report-form]");
  if (!form) { return; }
  var errorsBox = document.getElementById("report-errors");
  var submit = form.querySelector("button[type=submit]");
  var state = form.querySelector("[name=state]");
  var percent = form.querySelector("[name=percent]");
  var inputs = Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  var chosen = {};  // field name -> [File]: kept across camera taps and across a refusal
  var pending = 0;

  function loadImage(file) {
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () { return createImageBitmap(file); });
    }
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file);
      var img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("decode")); };
      img.src = url;
    });
  }
  // A photo becomes a JPEG whose long side is at most 1600 px; anything the browser cannot decode
  // (a PDF, a damaged file) goes as it is and the server decides.
  function downscale(file) {
    if (!/^image\/(jpeg|png|webp|bmp)$/.test(file.type)) { return Promise.resolve(file); }
    return loadImage(file).then(function (img) {
      var w = img.width, h = img.height;
      var s = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.max(1, Math.round(w * s));
      canvas.height = Math.max(1, Math.round(h * s));
      var ctx = canvas.getContext("2d");
      ctx.fillStyle = "#fff";
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      if (img.close) { img.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob) { resolve(file); return; }
          var name = (file.name || "photo").replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg", lastModified: Date.now() }));
        }, "image/jpeg", 0.85);
      });
    }).catch(function () { return file; });
  }

  function previews(input) {
    var ul = form.querySelector("ul[data-chosen='" + input.name + "']");
    if (!ul) {
      ul = document.createElement("ul");
      ul.className = "chosen-files";
      ul.setAttribute("data-chosen", input.name);
      input.parentNode.appendChild(ul);
    }
    ul.textContent = "";
    (chosen[input.name] || []).forEach(function (f, i) {
      var li = document.createElement("li");
      if (/^image\//.test(f.type)) {
        var img = document.createElement("img");
        var reader = new FileReader();  // a data: URL, which the page's CSP allows (blob: it does not)
        reader.onload = function () { img.src = reader.result; };
        reader.readAsDataURL(f);
        img.alt = f.name;
        img.width = 72;
        li.appendChild(img);
      }
      var span = document.createElement("span");
      span.textContent = t("size", { name: f.name, kb: Math.max(1, Math.round(f.size / 1024)) });
      li.appendChild(span);
      var rm = document.createElement("button");
      rm.type = "button";
      rm.className = "btn btn-small";
      rm.textContent = t("remove");
      rm.setAttribute("aria-label", t("removeName", { name: f.name }));
      rm.addEventListener("click", function () { chosen[input.name].splice(i, 1); previews(input); });
      li.appendChild(rm);
      ul.appendChild(li);
    });
  }

  inputs.forEach(function (input) {
    chosen[input.name] = [];
    input.addEventListener("change", function () {
      var files = Array.prototype.slice.call(input.files || []);
      input.value = "";  // the chosen list below is what is sent
      pending += 1;
      submit.disabled = true;
      Promise.all(files.map(downscale)).then(function (done) {
        done.forEach(function (f) {  // phones name every camera shot image.jpg: keep names apart
          var taken = chosen[input.name].map(function (c) { return c.name; });
          var n = 2, name = f.name;
          while (taken.indexOf(name) >= 0) { name = f.name.replace(/(\.[^.]*)?$/, "-" + n + "$1"); n += 1; }
          if (name !== f.name) { f = new File([f], name, { type: f.type, lastModified: f.lastModified }); }
          chosen[input.name].push(f);
        });
        previews(input);
      }).then(function () {
        pending -= 1;
        submit.disabled = pending > 0;
        if (!pending) { submit.scrollIntoView({ block: "center" }); submit.focus({ preventScroll: true }); }
      });
    });
  });

  var quick = form.querySelector("[data-quick-done]");
  if (quick) {
    quick.hidden = false;
    quick.addEventListener("click", function () {
      if (state) { state.value = "done"; state.dispatchEvent(new Event("change")); }
      if (percent) { percent.value = 100; }
    });
  }
  if (state && percent) {
    state.addEventListener("change", function () { if (state.value === "done") { percent.value = 100; } });
  }

  function showErrors(list) {
    if (!errorsBox) { return; }
    errorsBox.textContent = "";
    list.forEach(function (t) { var p = document.createElement("p"); p.textContent = t; errorsBox.appendChild(p); });
    errorsBox.hidden = !list.length;
    if (list.length) { errorsBox.scrollIntoView({ block: "start" }); }
  }
  function newKey() {
    var a = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  function entryFromForm() {
    var fields = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.type === "file" || el.disabled) { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      fields.push([el.name, el.value]);
    });
    var files = [];
    Object.keys(chosen).forEach(function (field) {
      chosen[field].forEach(function (f) { files.push({ field: field, name: f.name, blob: f }); });
    });
    var key = form.querySelector("[name=idempotency_key]");
    return { key: (key && key.value) || newKey(), url: form.action, title: form.dataset.title || document.title,
             fields: fields, files: files, at: new Date().toISOString() };
  }
  function keep(entry) {
    return queuePut(entry).then(function () {
      var key = form.querySelector("[name=idempotency_key]");
      if (key) { key.value = newKey(); }  // a later report from this page is a new one
      Object.keys(chosen).forEach(function (k) { chosen[k] = []; });
      inputs.forEach(previews);
      showErrors([]);
      return showQueue();
    }, function () {
      showErrors([t("noStore")]);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (pending) { return; }
    var entry = entryFromForm();
    submit.disabled = true;
    var go = navigator.onLine === false ? Promise.resolve({ kept: true }) : send(entry);
    go.then(function (res) {
      if (res.sent) { location.assign(res.data.redirect); return null; }
      if (res.refused) {
        var refused = res.data.refused || [];
        Object.keys(chosen).forEach(function (k) {
          chosen[k] = chosen[k].filter(function (f) { return refused.indexOf(f.name) < 0; });
        });
        inputs.forEach(previews);
        showErrors(res.data.errors || [t("failed")]);
        return null;
      }
      if (res.login) { showErrors([t("loginLost")]); return null; }
      if (res.status) { showErrors([t("status", { status: res.status })]); return null; }
      return keep(entry);
    }).then(function () { submit.disabled = false; });
  });
})();
