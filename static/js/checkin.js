// Check-in: read members' card QR codes with the phone camera or from a photo (jsQR, vendored in
// static/vendor/jsqr), send each code once, show who is in. Without this file the page still
// works: the typed code and the manual check-in are plain forms.
(function () {
  "use strict";
  var box = document.getElementById("checkin");
  if (!box || typeof window.jsQR !== "function") { return; }
  var url = box.dataset.scanUrl;
  var form = document.getElementById("checkin-form");
  var csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var result = document.getElementById("checkin-result");
  var list = document.getElementById("checkin-list");
  var count = document.getElementById("checkin-count");
  var photo = document.getElementById("checkin-photo");
  var cameraBtn = document.getElementById("checkin-camera");
  var video = document.getElementById("checkin-video");
  var canvas = document.createElement("canvas");
  var ctx = canvas.getContext("2d", { willReadFrequently: true });
  var recent = {}; // code → time sent: one card held in front of the camera is sent once
  var busy = false;

  function show(text, ok) {
    result.textContent = text;
    result.className = "checkin-result " + (ok ? "ok" : "bad");
  }

  function send(code, chosen) {
    var now = Date.now();
    // A frame of the camera repeats the card it sees: send it once every few seconds. A photo
    // chosen on purpose is always sent (the server answers 已签到 for a repeat).
    if (busy || (!chosen && recent[code] && now - recent[code] < 4000)) { return; }
    recent[code] = now;
    busy = true;
    var body = new FormData();
    body.append("token", code);
    fetch(url, { method: "POST", body: body, credentials: "same-origin",
                 headers: { "X-CSRFToken": csrf, "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (d) {
        show(d.message, d.ok);
        if (d.ok && d.created) {
          var empty = document.getElementById("checkin-empty");
          if (empty) { empty.remove(); }
          var li = document.createElement("li");
          li.textContent = d.name;
          list.insertBefore(li, list.firstChild);
          count.textContent = d.attended;
        }
      })
      .catch(function () { show(result.dataset.offline || "网络异常，请稍后重试。", false); })
      .then(function () { busy = false; });
  }

  function decode(source, w, h) {
    var scale = Math.min(1, 1024 / Math.max(w, h));
    canvas.width = Math.round(w * scale);
    canvas.height = Math.round(h * scale);
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    var img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
    return code && code.data ? code.data : null;
  }

  photo.addEventListener("change", function () {
    var file = photo.files && photo.files[0];
    if (!file) { return; }
    createImageBitmap(file).then(function (bmp) {
      var code = decode(bmp, bmp.width, bmp.height);
      if (code) { send(code, true); } else { show("照片中没有识别到二维码，请对准党员证重拍。", false); }
      photo.value = "";
    }).catch(function () { show("无法读取该照片。", false); });
  });

  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    cameraBtn.hidden = false;
    cameraBtn.addEventListener("click", function () {
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false })
        .then(function (stream) {
          video.srcObject = stream;
          video.hidden = false;
          cameraBtn.hidden = true;
          return video.play();
        })
        .then(function tick() {
          if (video.readyState >= 2 && video.videoWidth) {
            var code = decode(video, video.videoWidth, video.videoHeight);
            if (code) { send(code); }
          }
          window.requestAnimationFrame(tick);
        })
        .catch(function () { show("无法打开摄像头，请改用拍照。", false); });
    });
  }
})();
