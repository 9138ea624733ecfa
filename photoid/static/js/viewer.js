// Deep zoom on the photo page: OpenSeadragon reads the IIIF info.json of the photo.
// Without JavaScript the page keeps its plain 1600 px image, so this only enhances.
(function () {
  "use strict";
  if (!window.OpenSeadragon) { return; }
  document.querySelectorAll("figure[data-iiif-info]").forEach(function (figure, index) {
    var image = figure.querySelector("img");
    var viewer = document.createElement("div");
    viewer.id = "deep-zoom-" + index;
    viewer.className = "deep-zoom";
    viewer.setAttribute("role", "region");
    viewer.setAttribute("aria-label", "Zoomable photo: " + (image ? image.alt : "") +
      ". Use the zoom buttons, or focus the image and press + and - to zoom and the arrow keys to move.");
    figure.insertBefore(viewer, figure.firstChild);
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
      visibilityRatio: 0.8,
      minZoomImageRatio: 0.8,
      maxZoomPixelRatio: 3
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
