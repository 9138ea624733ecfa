// Uploads files one at a time with a progress bar each; the plain form works without this.
(function () {
  "use strict";
  var form = document.querySelector("form[data-upload]");
  if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
  var input = form.querySelector("input[type=file]");
  var zone = form.querySelector(".drop-zone");
  var results = document.querySelector(".upload-results");
  var list = results.querySelector(".upload-list");
  var pending = null;

  function chosenFiles() { return pending || Array.prototype.slice.call(input.files); }

  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) { event.preventDefault(); zone.classList.add("is-dragging"); });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function () { zone.classList.remove("is-dragging"); });
  });
  zone.addEventListener("drop", function (event) {
    event.preventDefault();
    pending = Array.prototype.slice.call(event.dataTransfer.files);
    zone.querySelector(".hint").textContent = pending.length + " file(s) ready to upload.";
    input.required = false;
  });
  input.addEventListener("change", function () { pending = null; });

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("strong");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    var status = document.createElement("span");
    status.className = "upload-status";
    status.textContent = " waiting";
    item.append(name, " ", bar, status);
    list.appendChild(item);
    return { item: item, bar: bar, status: status };
  }

  function send(file, ui) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("csrf_token", form.querySelector("input[name=csrf_token]").value);
      data.append("files", file);
      var catalog = form.querySelector("#catalog");
      if (catalog && catalog.files.length) { data.append("catalog", catalog.files[0]); }
      if (form.querySelector("#publish").checked) { data.append("publish", "yes"); }
      var request = new XMLHttpRequest();
      request.open("POST", form.action);
      request.setRequestHeader("Accept", "application/json");
      request.upload.onprogress = function (event) {
        if (event.lengthComputable) {
          ui.bar.value = Math.round(event.loaded / event.total * 100);
          ui.status.textContent = event.loaded < event.total ? " uploading" : " processing…";
        }
      };
      request.onload = function () {
        var outcome;
        try { outcome = JSON.parse(request.responseText); } catch (e) { outcome = { status: "rejected", reason: "The server did not answer as expected (" + request.status + ")." }; }
        ui.bar.value = 100;
        ui.item.className = "upload-" + (outcome.status || "rejected");
        if (outcome.status === "ingested" || outcome.status === "processing" || outcome.status === "failed") {
          ui.status.textContent = " added as ";
          var link = document.createElement("a");
          link.href = outcome.url; link.textContent = outcome.identifier;
          ui.status.appendChild(link);
          if (outcome.status === "processing") {
            ui.status.appendChild(document.createTextNode(". Processing: its zoomable image is being made (its page shows how far)."));
          } else if (outcome.status === "failed") {
            ui.status.appendChild(document.createTextNode(", but its images could not be made. " + (outcome.reason || "")));
          }
        } else {
          ui.status.textContent = " not added. " + (outcome.reason || outcome.error || "");
        }
        resolve();
      };
      request.onerror = function () { ui.status.textContent = " not added: the connection failed."; resolve(); };
      request.send(data);
    });
  }

  form.addEventListener("submit", function (event) {
    var files = chosenFiles();
    if (!files.length) { return; }
    event.preventDefault();
    results.hidden = false;
    var rows = files.map(function (file) { return { file: file, ui: row(file) }; });
    rows.reduce(function (chain, entry) {
      return chain.then(function () { return send(entry.file, entry.ui); });
    }, Promise.resolve()).then(function () { pending = null; form.reset(); });
  });
})();
