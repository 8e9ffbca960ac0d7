// Leaflet's default marker with the addresses the page gives (templates/_leaflet.html): with hashed static
// names, Leaflet's own guess from its stylesheet points at files that do not exist.
(function () {
  "use strict";
  var element = document.getElementById("leaflet-icons");
  if (typeof L === "undefined" || !element) return;
  L.Icon.Default.imagePath = ""; // a string: Leaflet then uses the addresses below as they are
  L.Icon.Default.mergeOptions(JSON.parse(element.textContent));
})();
