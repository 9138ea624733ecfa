// The identify page: draw one box on the photo (Annotorious), or place it with the keyboard;
// suggestions for names the library knows; and the date read back in words before sending.
// Without JavaScript the same form works, without a box.
(function () {
  "use strict";
  var form = document.querySelector("form.identify-form");
  if (!form) { return; }
  var field = function (name) { return form.querySelector("[name='" + name + "']"); };

  // --- what is being identified: show only the fields that matter ------------------------------
  function kind() {
    var checked = form.querySelector("input[name='kind']:checked");
    return checked ? checked.value : "person";
  }
  function showFieldsForKind() {
    var isDate = kind() === "date";
    form.querySelector("[data-field='name']").hidden = isDate;
    form.querySelector("[data-field='date_text']").hidden = !isDate;
    var label = form.querySelector("label[for='name']");
    if (label) { label.textContent = kind() === "keyword" ? "Keyword" : "Name"; }
  }
  form.querySelectorAll("input[name='kind']").forEach(function (radio) {
    radio.addEventListener("change", function () { showFieldsForKind(); clearLink(); });
  });
  showFieldsForKind();

  // --- type-ahead: an ARIA 1.2 combobox over /api/authorities ----------------------------------
  var name = field("name");
  var authority = field("authority_id");
  var listbox = document.getElementById("name-suggestions");
  var linked = document.getElementById("name-linked");
  var options = [];
  var active = -1;
  var timer = null;
  name.setAttribute("role", "combobox");
  name.setAttribute("aria-autocomplete", "list");
  name.setAttribute("aria-controls", listbox.id);
  name.setAttribute("aria-expanded", "false");

  function clearLink() {
    if (authority.value) { authority.value = ""; linked.textContent = ""; }
  }
  function close() {
    listbox.hidden = true;
    name.setAttribute("aria-expanded", "false");
    name.removeAttribute("aria-activedescendant");
    active = -1;
  }
  function setActive(index) {
    options.forEach(function (li, i) { li.setAttribute("aria-selected", i === index ? "true" : "false"); });
    active = index;
    if (index >= 0) {
      name.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      name.removeAttribute("aria-activedescendant");
    }
  }
  function choose(li) {
    name.value = li.getAttribute("data-heading");
    authority.value = li.getAttribute("data-id");
    linked.textContent = "Linked to a " + kind() + " the library already knows: " + name.value + ".";
    close();
  }
  function render(records) {
    listbox.innerHTML = "";
    options = records.map(function (record, i) {
      var li = document.createElement("li");
      li.id = "name-suggestion-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.setAttribute("data-id", record.id);
      li.setAttribute("data-heading", record.heading);
      li.textContent = record.heading;
      if (record.variants.length) {
        var also = document.createElement("span");
        also.className = "hint";
        also.textContent = " (also " + record.variants.slice(0, 3).join("; ") + ")";
        li.appendChild(also);
      }
      li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(li); });
      listbox.appendChild(li);
      return li;
    });
    listbox.hidden = options.length === 0;
    name.setAttribute("aria-expanded", options.length ? "true" : "false");
    active = -1;
  }
  function lookUp() {
    var k = kind();
    if (k === "keyword" || k === "date" || name.value.trim().length < 2) { render([]); return; }
    var url = "/api/authorities?kind=" + encodeURIComponent(k) + "&q=" + encodeURIComponent(name.value.trim());
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(render)
      .catch(function () { render([]); });
  }
  name.addEventListener("input", function () {
    clearLink();
    clearTimeout(timer);
    timer = setTimeout(lookUp, 200);
  });
  name.addEventListener("keydown", function (e) {
    if (listbox.hidden) { return; }
    if (e.key === "ArrowDown") { e.preventDefault(); setActive(Math.min(active + 1, options.length - 1)); }
    else if (e.key === "ArrowUp") { e.preventDefault(); setActive(Math.max(active - 1, 0)); }
    else if (e.key === "Enter" && active >= 0) { e.preventDefault(); choose(options[active]); }
    else if (e.key === "Escape") { e.preventDefault(); close(); }
  });
  name.addEventListener("blur", function () { setTimeout(close, 150); });

  // --- the date, read back as it will be recorded -----------------------------------------------
  var dateText = field("date_text");
  var preview = document.getElementById("date-preview");
  var dateTimer = null;
  dateText.addEventListener("input", function () {
    clearTimeout(dateTimer);
    dateTimer = setTimeout(function () {
      var text = dateText.value.trim();
      if (!text) { preview.textContent = ""; return; }
      fetch("/api/edtf?q=" + encodeURIComponent(text), { headers: { Accept: "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (answer) {
          preview.classList.toggle("error", Boolean(answer.error));
          preview.textContent = answer.error ? answer.error
            : "We will record this as " + answer.words + ".";  // words, never the EDTF code
        })
        .catch(function () { preview.textContent = ""; });
    }, 250);
  });

  // --- the box -----------------------------------------------------------------------------------
  var figure = document.querySelector("figure[data-draw]");
  var tools = document.getElementById("box-tools");
  if (!figure || !tools || !window.AnnotoriousOSD) { return; }
  var status = document.getElementById("box-status");
  var drawToggle = document.getElementById("draw-toggle");
  var inputs = ["x", "y", "w", "h"].map(function (k) { return document.getElementById("box-" + k); });
  var hidden = ["region_x", "region_y", "region_w", "region_h"].map(field);

  function percent(value) { return Math.round(value * 1000) / 10; }

  figure.addEventListener("photoid:viewer-open", function (event) {
    var viewer = event.detail.viewer;
    var size = viewer.world.getItemAt(0).getContentSize();
    var source = figure.getAttribute("data-iiif-info").replace(/\/info\.json$/, "");
    var anno = window.AnnotoriousOSD.createOSDAnnotator(viewer, {
      adapter: window.AnnotoriousOSD.W3CImageFormat(source),
      drawingEnabled: false,
      drawingMode: "drag",
      userSelectAction: "EDIT"
    });
    var current = null;  // the one box this form will send
    tools.hidden = false;
    // Annotorious puts an unnamed, focusable layer over the photo that does nothing by keyboard.
    figure.querySelectorAll("svg[tabindex]").forEach(function (svg) { svg.setAttribute("tabindex", "-1"); });

    // Fractions of the image, clamped to it: a drag can start or end outside the photo.
    function store(fractions) {
      var x = Math.min(Math.max(fractions[0], 0), 1);
      var y = Math.min(Math.max(fractions[1], 0), 1);
      var w = Math.min(fractions[0] + fractions[2], 1) - x;
      var h = Math.min(fractions[1] + fractions[3], 1) - y;
      if (w <= 0.001 || h <= 0.001) { clearBox("The box was outside the photo. Please draw it again."); return null; }
      var values = [x, y, w, h];
      hidden.forEach(function (input, i) { input.value = values[i].toFixed(6); });
      inputs.forEach(function (input, i) { input.value = percent(values[i]); });
      status.textContent = "Box marked: " + percent(x) + "% from the left, " + percent(y) + "% from the top, " +
        percent(w) + "% wide and " + percent(h) + "% high.";
      document.getElementById("box-remove").hidden = false;
      return values;
    }
    function pixelsOf(annotation) {
      var value = annotation.target.selector.value || annotation.target.selector[0].value;
      return value.replace("xywh=pixel:", "").split(",").map(Number);
    }
    function fromAnnotation(annotation) {
      var p = pixelsOf(annotation);
      return store([p[0] / size.x, p[1] / size.y, p[2] / size.x, p[3] / size.y]);
    }
    function annotationFor(values, id) {
      var px = [values[0] * size.x, values[1] * size.y, values[2] * size.x, values[3] * size.y].map(Math.round);
      return {
        id: id || ("new-box-" + Date.now()), "@context": "http://www.w3.org/ns/anno.jsonld", type: "Annotation", body: [],
        target: { source: source, selector: { type: "FragmentSelector", conformsTo: "http://www.w3.org/TR/media-frags/",
          value: "xywh=pixel:" + px.join(",") } }
      };
    }
    function clearBox(message) {
      if (current) { anno.removeAnnotation(current.id); current = null; }
      hidden.forEach(function (input) { input.value = ""; });
      inputs.forEach(function (input) { input.value = ""; });
      status.textContent = message || "No box: your identification will be about the whole photo.";
      document.getElementById("box-remove").hidden = true;
    }
    function setDrawing(on) {
      anno.setDrawingEnabled(on);
      drawToggle.setAttribute("aria-pressed", on ? "true" : "false");
      drawToggle.textContent = on ? "Drawing: drag over the face or building (press to stop)" : "Draw a box on the photo";
      figure.classList.toggle("is-drawing", on);
      viewer.setCooperativeGestures(!on);  // while drawing, one finger draws the box instead of scrolling the page
    }
    function place(values) {
      var annotation = annotationFor(values, current && current.id);
      if (current) { anno.updateAnnotation(annotation); } else { anno.addAnnotation(annotation); }
      current = annotation;
    }

    // A box sent back after an error, or the box of the suggestion being disputed.
    var initial = hidden.map(function (input) { return parseFloat(input.value); });
    if (initial.every(isFinite) && initial[2] > 0) { place(store(initial)); }

    anno.on("createAnnotation", function (annotation) {
      if (current) { anno.removeAnnotation(current.id); }
      current = annotation;
      if (!fromAnnotation(annotation)) { return; }
      setDrawing(false);  // so the next drag pans again
    });
    anno.on("updateAnnotation", function (annotation) {
      current = annotation;
      fromAnnotation(annotation);
    });

    drawToggle.addEventListener("click", function () { setDrawing(!anno.isDrawingEnabled()); });
    document.getElementById("box-remove").addEventListener("click", function () { clearBox(); });
    // Keyboard: a box around the middle of what is in view, then fine-tuned with the numbers.
    document.getElementById("box-in-view").addEventListener("click", function () {
      var bounds = viewer.viewport.viewportToImageRectangle(viewer.viewport.getBounds(true));
      var x = Math.max(bounds.x, 0) / size.x, y = Math.max(bounds.y, 0) / size.y;
      var w = Math.min(bounds.width, size.x) / size.x, h = Math.min(bounds.height, size.y) / size.y;
      var values = store([x + w / 4, y + h / 4, w / 2, h / 2]);
      if (values) { place(values); }
    });
    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        var values = inputs.map(function (i) { return parseFloat(i.value) / 100; });
        if (!values.every(isFinite)) { return; }
        var stored = store(values);
        if (stored) { place(stored); }
      });
    });
  });
})();
