// Search page: the form's helpers, the phones' Map/List switch, and the map itself loaded only when it
// is first needed (a wide screen shows it at once; a phone when "Map" is tapped), so that a phone's
// first look at the results does not wait for Leaflet.
(function () {
  "use strict";
  var form = document.getElementById("search-form");
  var layout = document.getElementById("search-layout");
  var toggle = document.getElementById("map-toggle");
  var mapElement = document.getElementById("search-map");
  var assets = document.getElementById("map-assets");
  if (!form || !layout || !mapElement || !assets) return;
  var lat = document.getElementById("id_lat");
  var lng = document.getElementById("id_lng");
  var query = document.getElementById("id_q");

  var edges = ["south", "west", "north", "east"].map(function (name) { return document.getElementById("id_" + name); });

  function setEdges(values) {
    edges.forEach(function (input, index) { if (input) input.value = values ? values[index].toFixed(6) : ""; });
  }

  function submit() {
    if (window.htmx) { htmx.trigger(form, "submit"); } else { form.submit(); }
  }

  // Around a point (a tap on the map, "use my location"): the circle search.
  function searchAt(latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    query.value = "";
    setEdges(null);
    submit();
  }

  // "Search this area": the map's visible rectangle [south, west, north, east], centred where the map is.
  function searchArea(bounds, latitude, longitude) {
    lat.value = latitude.toFixed(6);
    lng.value = longitude.toFixed(6);
    query.value = "";
    setEdges(bounds);
    submit();
  }
  window.sharingSearch = { at: searchAt, area: searchArea };

  query.addEventListener("input", function () { lat.value = ""; lng.value = ""; setEdges(null); });
  document.getElementById("use-my-location").addEventListener("click", function () {
    if (!navigator.geolocation) { alert("Your browser cannot share its location."); return; }
    navigator.geolocation.getCurrentPosition(
      function (position) { searchAt(position.coords.latitude, position.coords.longitude); },
      function () { alert("We could not get your location. Type a place instead."); }
    );
  });

  // Leaflet, then our map code, once; Leaflet is handed its marker pictures' real (hashed) addresses.
  var urls = JSON.parse(assets.textContent);
  var loading = null;
  function script(src) {
    return new Promise(function (resolve, reject) {
      var tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = reject;
      document.body.appendChild(tag);
    });
  }
  function loadMap() {
    if (loading) return loading;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = urls.css;
    document.head.appendChild(css);
    loading = script(urls.leaflet).then(function () {
      L.Icon.Default.imagePath = ""; // a string: Leaflet then uses the addresses as they are
      L.Icon.Default.mergeOptions(urls.icons);
      return script(urls.maps);
    });
    return loading;
  }

  if (toggle) {
    toggle.addEventListener("click", function () {
      var showMap = layout.dataset.view !== "map";
      layout.dataset.view = showMap ? "map" : "list";
      toggle.setAttribute("aria-pressed", String(showMap));
      if (showMap) {
        loadMap().then(function () { mapElement.dispatchEvent(new CustomEvent("sharing:map-shown")); });
      }
    });
  }
  var wide = window.matchMedia("(min-width: 900px)");
  if (wide.matches) { loadMap(); }
  else { wide.addEventListener("change", function (event) { if (event.matches) { loadMap(); } }); }
})();
