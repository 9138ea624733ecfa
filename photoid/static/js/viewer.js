// Deep zoom on the photo page: OpenSeadragon reads the IIIF info.json of the photo.
// Without JavaScript the page keeps its plain 1600 px image, so this only enhances.
(function () {
  "use strict";
  if (!window.OpenSeadragon) { return; }
  // As on map sites, the photo does not trap the page: one finger (or the mouse wheel) scrolls the page, two
  // fingers (or Ctrl + wheel, or the zoom buttons) move and zoom the photo. OpenSeadragon's cooperativeGestures
  // lets the browser scroll (touch-action: pan-x pan-y) and shows these hints over the photo.
  window.OpenSeadragon.setString("GestureHints.Touch", "Use two fingers to move the photo");
  window.OpenSeadragon.setString("GestureHints.Scroll", "Use {0} + scroll to zoom the photo");
  var HINT_SEEN = "photoid.two-finger-hint-seen";
  function firstTouchHint() {  // the touch hint the first time only; a browser that keeps nothing shows it each time
    try {
      if (window.localStorage.getItem(HINT_SEEN)) { return false; }
      window.localStorage.setItem(HINT_SEEN, "1");
    } catch (e) { /* storage refused */ }
    return true;
  }
  document.querySelectorAll("figure[data-iiif-info]").forEach(function (figure, index) {
    var image = figure.querySelector("img");
    var viewer = document.createElement("div");
    viewer.id = "deep-zoom-" + index;
    viewer.className = "deep-zoom";
    viewer.setAttribute("role", "region");
    viewer.setAttribute("aria-label", "Zoomable photo: " + (image ? image.alt : "") +
      ". Use the zoom buttons, or focus the image and press + and - to zoom and the arrow keys to move.");
    figure.insertBefore(viewer, figure.firstChild);
    // The viewer takes the photo's shape (no tall black box around a landscape photo); CSS caps its height.
    var width = image && parseInt(image.getAttribute("width"), 10), height = image && parseInt(image.getAttribute("height"), 10);
    if (width > 0 && height > 0) {
      viewer.style.aspectRatio = width + " / " + height;
      viewer.classList.add("has-photo-shape");
    }
    var osd = window.OpenSeadragon({
      element: viewer,
      tileSources: figure.getAttribute("data-iiif-info"),
      prefixUrl: figure.getAttribute("data-osd-images"),
      showNavigator: true,
      showNavigationControl: false,  // replaced by real, labelled buttons below
      navigatorPosition: "BOTTOM_RIGHT",
      crossOriginPolicy: "Anonymous",
      // On the identify page a click must not zoom: it starts or selects a box.
      gestureSettingsMouse: { scrollToZoom: true, clickToZoom: !figure.hasAttribute("data-draw") },
      gestureSettingsTouch: { dragToPan: true, pinchToZoom: true, flickEnabled: false, clickToZoom: false, dblClickToZoom: true },
      cooperativeGestures: true,
      visibilityRatio: 0.8,
      minZoomImageRatio: 0.8,
      maxZoomPixelRatio: 3
    });
    osd.addHandler("canvas-cooperative-gesture", function (event) {
      if (event.gesture === "drag" && !firstTouchHint()) { event.preventDefaultAction = true; }
    });
    var toolbar = document.createElement("div");
    toolbar.className = "viewer-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Zoom controls");
    [
      ["Zoom in", "+", function () { osd.viewport.zoomBy(1.5); osd.viewport.applyConstraints(); }],
      ["Zoom out", "\u2212", function () { osd.viewport.zoomBy(1 / 1.5); osd.viewport.applyConstraints(); }],
      ["Reset: show the whole photo", "Reset", function () { osd.viewport.goHome(); }],
      ["Full screen", "Full screen", function () { osd.setFullScreen(!osd.isFullPage()); }]
    ].forEach(function (spec) {
      var button = document.createElement("button");
      button.type = "button";
      button.setAttribute("aria-label", spec[0]);
      button.title = spec[0];
      button.textContent = spec[1];
      button.addEventListener("click", spec[2]);
      toolbar.appendChild(button);
    });
    osd.addOnceHandler("open", function () {
      figure.classList.add("has-deep-zoom");
      figure.insertBefore(toolbar, viewer.nextSibling);
      if (image) { image.classList.add("visually-hidden"); }
      // regions.js and identify.js add the boxes once the image is open.
      figure.dispatchEvent(new CustomEvent("photoid:viewer-open", { detail: { viewer: osd } }));
    });
    osd.addHandler("open-failed", function () {
      viewer.remove();  // keep the plain image
    });
    window.photoidViewer = osd;
  });
})();
