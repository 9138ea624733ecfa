// The boxes patrons drew, shown on the deep-zoom photo and tied to their names in the lists.
// Each list item with data-region="x,y,w,h" (fractions of the image) gets a box; hovering or
// focusing either one highlights both, and "Show on the photo" zooms to the box.
// The names in the lists are what assistive technology reads; the boxes are a visual aid.
// A face nobody has named (data-state="question", photoid/faces) is outlined as a question, and a
// click on its box opens the identify form with that box drawn (data-href), as its link does.
(function () {
  "use strict";
  var figure = document.querySelector("figure[data-iiif-info]");
  if (!figure || !window.OpenSeadragon) { return; }

  function regionOf(item) {
    var parts = (item.getAttribute("data-region") || "").split(",").map(Number);
    return parts.length === 4 && parts.every(isFinite) ? parts : null;
  }

  function highlight(pair, on) {
    pair.forEach(function (el) { el.classList.toggle("is-highlighted", on); });
  }

  figure.addEventListener("photoid:viewer-open", function (event) {
    var viewer = event.detail.viewer;
    var image = viewer.world.getItemAt(0);
    var size = image.getContentSize();
    document.querySelectorAll("[data-region]").forEach(function (item) {
      var r = regionOf(item);
      if (!r) { return; }
      var box = document.createElement("div");
      var state = item.getAttribute("data-state");
      box.className = "region-box" + (state === "approved" ? " is-verified" : state === "question" ? " is-question" : "");
      box.setAttribute("aria-hidden", "true");
      var tag = document.createElement("span");
      tag.className = "region-tag";
      tag.textContent = item.getAttribute("data-tag") || item.getAttribute("data-label") || "";
      box.appendChild(tag);
      var rect = image.imageToViewportRectangle(r[0] * size.x, r[1] * size.y, r[2] * size.x, r[3] * size.y);
      viewer.addOverlay({ element: box, location: rect });
      var pair = [box, item];
      [box, item].forEach(function (el) {
        el.addEventListener("mouseenter", function () { highlight(pair, true); });
        el.addEventListener("mouseleave", function () { highlight(pair, false); });
      });
      item.addEventListener("focusin", function () { highlight(pair, true); });
      item.addEventListener("focusout", function () { highlight(pair, false); });
      // A click on a box must not start a pan: OpenSeadragon listens to the pointer on its canvas.
      // Fingers pass through to the canvas, so a pinch that starts on a box still zooms the photo.
      new window.OpenSeadragon.MouseTracker({
        element: box,
        preProcessEventHandler: function (info) {
          if (info.pointerType === "touch") { info.preventGesture = true; info.stopPropagation = false; }
        },
        clickHandler: function () {
          if (item.getAttribute("data-href")) { window.location.assign(item.getAttribute("data-href")); return; }
          item.scrollIntoView({ block: "center", behavior: "smooth" });
          highlight(pair, true);
        }
      });
      var show = document.createElement("button");
      show.type = "button";
      show.className = "small show-region";
      show.textContent = "Show on the photo";
      show.setAttribute("aria-label", "Show on the photo: " + (item.getAttribute("data-label") || "this box"));
      show.addEventListener("click", function () {
        // Twice the box's size, so some of its surroundings stay in view.
        viewer.viewport.fitBounds(new window.OpenSeadragon.Rect(
          rect.x - rect.width / 2, rect.y - rect.height / 2, rect.width * 2, rect.height * 2));
        highlight(pair, true);
        figure.scrollIntoView({ block: "nearest", behavior: "smooth" });
      });
      item.appendChild(show);
    });
  });
})();
