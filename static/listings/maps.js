// Maps of the listings pages (Leaflet, served from our static files). Tiles come from
// OpenStreetMap and simply stay grey offline: markers, the pin and the list still work.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function baseMap(element, lat, lng, zoom) {
    var map = L.map(element).setView([lat, lng], zoom);
    L.tileLayer(element.dataset.tiles, {
      maxZoom: 19,
      attribution: "&copy; OpenStreetMap contributors",
    }).addTo(map);
    return map;
  }

  // Search page: markers for the results (clustered when they crowd), a click searches around a point,
  // and after a pan or zoom "Search this area" searches the visible rectangle. listings/search_page.js
  // owns the form (whose fields are in the URL: a search can be shared), the Map/List switch, and loads
  // Leaflet and this file when the map is first shown.
  var searchElement = document.getElementById("search-map");
  if (searchElement) {
    var areaButton = document.getElementById("search-this-area");
    var map = baseMap(searchElement, 48.8566, 2.3522, 3);
    var layer = L.layerGroup().addTo(map); // the results' markers and clusters
    var outline = L.layerGroup().addTo(map); // the circle or rectangle searched
    var markers = []; // [{latlng, card}] of the results shown
    var moving = false; // true while the map moves by itself (to show results), not by the person
    var fitted = null; // what the map shows once visible: the rectangle searched, or the results

    function wrap(longitude) {
      return ((((longitude + 180) % 360) + 360) % 360) - 180;
    }

    // The visible rectangle, longitudes folded into -180..180: a west edge east of the east edge
    // means the view crosses the antimeridian (the server reads it so).
    function searchThisArea() {
      var view = map.getBounds();
      var west = view.getWest(), east = view.getEast();
      if (east - west >= 360) { west = -180; east = 180; } else { west = wrap(west); east = wrap(east); }
      var south = Math.max(-90, view.getSouth()), north = Math.min(90, view.getNorth());
      var centre = map.getCenter();
      areaButton.hidden = true;
      window.sharingSearch.area([south, west, north, east], centre.lat, wrap(centre.lng));
    }

    // The map moves to what was searched; a hidden map (a phone's list view) does when it is shown.
    function fit() {
      if (fitted && searchElement.offsetWidth) {
        moving = true;
        map.fitBounds(fitted, { animate: false, maxZoom: 15 });
        moving = false;
      }
      drawMarkers();
    }

    // Grid clustering in screen space: results whose markers fall in the same 60-pixel square at
    // this zoom are one marker with their count; a click zooms in to them.
    var CLUSTER_PX = 60;
    function drawMarkers() {
      layer.clearLayers();
      var cells = {};
      markers.forEach(function (item) {
        var point = map.latLngToLayerPoint(item.latlng);
        var key = Math.floor(point.x / CLUSTER_PX) + ":" + Math.floor(point.y / CLUSTER_PX);
        (cells[key] = cells[key] || []).push(item);
      });
      Object.keys(cells).forEach(function (key) {
        var group = cells[key];
        if (group.length === 1) {
          var item = group[0];
          var marker = L.marker(item.latlng, { title: item.card.dataset.title }).addTo(layer);
          var link = document.createElement("a");
          link.href = item.card.dataset.url;
          link.textContent = item.card.dataset.title;
          marker.bindPopup(link);
          marker.on("click", function () { highlight(item.card); });
          item.marker = marker;
          return;
        }
        var bounds = L.latLngBounds(group.map(function (member) { return member.latlng; }));
        var cluster = L.marker(bounds.getCenter(), {
          title: group.length + " results here: zoom in",
          icon: L.divIcon({ className: "", html: '<span class="result-cluster">' + group.length + "</span>", iconSize: [36, 36] }),
        }).addTo(layer);
        cluster.on("click", function () { map.fitBounds(bounds.pad(0.5)); });
        group.forEach(function (member) { member.marker = cluster; });
      });
    }

    function highlight(card) {
      document.querySelectorAll("#results .result.highlighted").forEach(function (other) { other.classList.remove("highlighted"); });
      if (card) card.classList.add("highlighted");
    }

    // The list and the map in step: the map shows the listed results, fitted to the rectangle searched
    // or, for a circle, to the results (the circle when there are none).
    function drawResults() {
      markers = [];
      outline.clearLayers();
      var list = document.querySelector("#results .result-list");
      if (!list) { layer.clearLayers(); return; }
      list.querySelectorAll(".result").forEach(function (card) {
        // The card carries the centre of the listing's area (listings.privacy), never the listing itself.
        var item = { latlng: L.latLng(parseFloat(card.dataset.lat), parseFloat(card.dataset.lng)), card: card };
        markers.push(item);
        card.addEventListener("mouseenter", function () { if (item.marker && item.marker.openPopup && item.marker.getPopup()) item.marker.openPopup(); });
      });
      if (list.dataset.south) {
        var west = parseFloat(list.dataset.west), east = parseFloat(list.dataset.east);
        if (east < west) east += 360; // across the antimeridian: Leaflet takes longitudes past 180
        var area = L.latLngBounds([parseFloat(list.dataset.south), west], [parseFloat(list.dataset.north), east]);
        L.rectangle(area, { fill: false, weight: 1, dashArray: "4" }).addTo(outline);
        fitted = area;
      } else {
        var centre = [parseFloat(list.dataset.centreLat), parseFloat(list.dataset.centreLng)];
        var circle = L.circle(centre, { radius: parseFloat(list.dataset.radius) * 1000, fill: false }).addTo(outline);
        fitted = markers.length ? L.latLngBounds(markers.map(function (item) { return item.latlng; })).pad(0.15) : circle.getBounds();
      }
      fit();
      areaButton.hidden = true;
    }

    map.on("zoomend", drawMarkers);
    map.on("moveend", function () { if (!moving) areaButton.hidden = false; });
    areaButton.addEventListener("click", searchThisArea);
    map.on("click", function (event) { window.sharingSearch.at(event.latlng.lat, wrap(event.latlng.lng)); });
    searchElement.addEventListener("sharing:map-shown", function () { map.invalidateSize(); fit(); });
    document.body.addEventListener("htmx:afterSwap", drawResults);
    drawResults();
  }

  // Listing form: the typed address is geocoded (the server's own geocoder), the map zooms to it
  // with the pin placed, and the owner drags the pin to the exact spot. A pin farther from the
  // address's place than the server accepts (a stray tap) is flagged at once, in the server's words.
  var pinElement = document.getElementById("pin-map");
  if (pinElement) {
    var latInput = document.getElementById("id_latitude");
    var lngInput = document.getElementById("id_longitude");
    var addressInput = document.getElementById("id_address");
    var status = document.getElementById("pin-status");
    var warning = document.getElementById("pin-warning");
    var known = latInput.value && lngInput.value;
    var start = known ? [parseFloat(latInput.value), parseFloat(lngInput.value)] : [48.8566, 2.3522];
    var pinMap = baseMap(pinElement, start[0], start[1], known ? 15 : 4);
    var pin = L.marker(start, { draggable: true, keyboard: true, title: "The listing's pin" });
    var addressPlace = null; // {latitude, longitude, city, reach_km} of the typed address

    function distanceKm(a, b) {
      return pinMap.distance(a, b) / 1000;
    }

    function checkPin() {
      if (!addressPlace || !latInput.value) { warning.hidden = true; return; }
      var away = distanceKm([addressPlace.latitude, addressPlace.longitude], pin.getLatLng());
      if (away > addressPlace.reach_km) {
        warning.textContent = "The pin is " + Math.round(away) + " km from " + addressPlace.city +
          ", where the address is. Move the pin to the address, or correct the address.";
        warning.hidden = false;
      } else {
        warning.hidden = true;
      }
    }

    function place(latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lngInput.value = latlng.lng.toFixed(6);
      pin.setLatLng(latlng).addTo(pinMap);
      checkPin();
    }

    function geocodeAddress(moveThePin) {
      var text = addressInput.value.trim();
      if (!text) return;
      status.textContent = "Looking for the address…";
      fetch(pinElement.dataset.geocodeUrl + "?q=" + encodeURIComponent(text), { credentials: "same-origin" })
        .then(function (response) { return response.json().then(function (body) { return [response.ok, body]; }); })
        .then(function (answer) {
          if (!answer[0]) { addressPlace = null; status.textContent = answer[1].detail; checkPin(); return; }
          addressPlace = answer[1];
          var point = L.latLng(addressPlace.latitude, addressPlace.longitude);
          var far = latInput.value && distanceKm(point, pin.getLatLng()) > addressPlace.reach_km;
          if (!latInput.value || (moveThePin && far)) {
            pinMap.setView(point, 13);
            place(point);
            status.textContent = "The pin is at " + addressPlace.city + ". Drag it to the exact spot.";
          } else {
            checkPin();
            // A second look-up of the same address (change, then blur) keeps saying where the pin is.
            status.textContent = far
              ? "Drag the pin to the exact spot if it is not there yet."
              : "The pin is at " + addressPlace.city + ". Drag it to the exact spot if it is not there yet.";
          }
        })
        .catch(function () { status.textContent = "The address could not be looked up: place the pin on the map."; });
    }

    if (known) { pin.addTo(pinMap); geocodeAddress(false); }
    else if (addressInput.value.trim()) { geocodeAddress(true); }
    pin.on("dragend", function () { place(pin.getLatLng()); });
    pinMap.on("click", function (event) { place(event.latlng); });
    // A new address moves the map and the pin to it (unless the pin is already near it); the owner
    // then fine-tunes the pin.
    var typing = null;
    addressInput.addEventListener("input", function () {
      clearTimeout(typing);
      typing = setTimeout(function () { geocodeAddress(true); }, 600);
    });
    addressInput.addEventListener("change", function () { clearTimeout(typing); geocodeAddress(true); });
  }

  // Listing page: where it is (and a driver's service area).
  var listingElement = document.getElementById("listing-map");
  if (listingElement) {
    var point = [parseFloat(listingElement.dataset.lat), parseFloat(listingElement.dataset.lng)];
    var listingMap = baseMap(listingElement, point[0], point[1], 13);
    // The exact pin only for the host and booked guests; everybody else sees the area around the place.
    if ("exact" in listingElement.dataset) {
      L.marker(point).addTo(listingMap);
    } else {
      L.circle(point, { radius: parseFloat(listingElement.dataset.area) }).addTo(listingMap);
    }
    if (listingElement.dataset.radius) {
      var area = L.circle(point, { radius: parseFloat(listingElement.dataset.radius) * 1000 }).addTo(listingMap);
      listingMap.fitBounds(area.getBounds());
    }
  }
})();
