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

  // Search page: markers for the results; a click on the map searches there (listings/search_page.js
  // owns the form, the Map/List switch and loads Leaflet and this file when the map is first shown).
  var searchElement = document.getElementById("search-map");
  if (searchElement) {
    var map = baseMap(searchElement, 48.8566, 2.3522, 3);
    var layer = L.layerGroup().addTo(map);
    var fitted = null;

    // The map is fitted to the results (or to the searched circle when there are none).
    function fit() {
      if (!fitted || !searchElement.offsetWidth) return; // hidden (phone list view): fitted when shown
      map.fitBounds(fitted, { maxZoom: 15 });
    }

    function drawResults() {
      layer.clearLayers();
      var list = document.querySelector("#results .result-list");
      if (!list) return;
      var centre = [parseFloat(list.dataset.centreLat), parseFloat(list.dataset.centreLng)];
      var circle = L.circle(centre, { radius: parseFloat(list.dataset.radius) * 1000, fill: false }).addTo(layer);
      var points = [];
      list.querySelectorAll(".result").forEach(function (card) {
        // The card carries the centre of the listing's area (listings.privacy), never the listing itself.
        var point = [parseFloat(card.dataset.lat), parseFloat(card.dataset.lng)];
        var marker = L.marker(point, { title: card.dataset.title }).addTo(layer);
        var link = document.createElement("a");
        link.href = card.dataset.url;
        link.textContent = card.dataset.title;
        marker.bindPopup(link);
        points.push(point);
      });
      fitted = points.length ? L.latLngBounds(points).pad(0.15) : circle.getBounds();
      fit();
    }

    searchElement.addEventListener("sharing:map-shown", function () { map.invalidateSize(); fit(); });
    map.on("click", function (event) {
      if (window.sharingSearch) { window.sharingSearch.at(event.latlng.lat, event.latlng.lng); }
    });
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
            status.textContent = "Drag the pin to the exact spot if it is not there yet.";
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
