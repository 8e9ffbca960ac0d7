// On demand: the requester's "need a driver now" form, the request page (live positions) and the
// provider's page (live offers, heartbeat). One socket, /ws/dispatch/, per page; reconnects with backoff.
(function () {
  "use strict";
  // The words in the reader's language (Django's JavaScript catalogue, /jsi18n/ in base.html); English without it.
  const gettext = window.gettext || ((text) => text);
  const ngettext = window.ngettext || ((one, many, count) => (count === 1 ? one : many));
  const interpolate = window.interpolate || ((text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name]));

  function connect(onMessage) {
    let delay = 500;
    let socket = null;
    function open() {
      const scheme = location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${location.host}/ws/dispatch/`);
      socket.addEventListener("open", () => { delay = 500; document.body.dataset.dispatchSocket = "open"; });
      socket.addEventListener("message", (event) => {
        let data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        onMessage(data);
      });
      socket.addEventListener("close", () => {
        document.body.dataset.dispatchSocket = "closed";
        setTimeout(open, Math.random() * delay);
        delay = Math.min(delay * 2, 30000);
      });
    }
    open();
    return { send: (message) => socket && socket.readyState === 1 && socket.send(JSON.stringify(message)) };
  }

  function tickCountdowns() {
    document.querySelectorAll("[data-countdown]").forEach((node) => {
      const left = Math.max(0, parseInt(node.dataset.countdown, 10) - 1);
      node.dataset.countdown = String(left);
      node.textContent = String(left);
      const offer = node.closest("[data-offer]");
      if (left === 0 && offer && offer.dataset.offer) offer.remove();
    });
  }

  function makeMap(node, lat, lng) {
    if (!node || typeof L === "undefined") return null;
    const map = L.map(node).setView([lat, lng], 14);
    L.tileLayer("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", { attribution: "© OpenStreetMap" }).addTo(map);
    return map;
  }

  // Later pickup times come from the server in UTC: show them in the browser's local time.
  function localTimes(root) {
    root.querySelectorAll("[data-local-time]").forEach((node) => {
      const when = new Date(node.dataset.localTime);
      if (!Number.isNaN(when.getTime())) node.textContent = when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    });
  }

  // --- The requester's form -------------------------------------------------------------
  function needPage(form) {
    localTimes(form);
    form.addEventListener("htmx:afterSwap", () => localTimes(form));
    const when = form.querySelector('[name="when"]');
    const submit = form.querySelector("[data-submit]");
    when.addEventListener("change", () => {
      submit.textContent = when.value === "now" ? gettext("Find me a driver now") : gettext("Find me a driver for that time");
    });
    const lat = form.querySelector('[name="latitude"]');
    const lng = form.querySelector('[name="longitude"]');
    const status = form.querySelector("[data-locate-status]");
    const map = makeMap(form.querySelector("[data-pick-map]"), parseFloat(lat.value) || 48.8566, parseFloat(lng.value) || 2.3522);
    let pin = null;
    function pinAt(latitude, longitude) {
      lat.value = latitude.toFixed(6);
      lng.value = longitude.toFixed(6);
      if (map) {
        pin = pin || L.marker([latitude, longitude]).addTo(map);
        pin.setLatLng([latitude, longitude]);
        map.panTo([latitude, longitude]);
      }
      form.dispatchEvent(new Event("pinned"));
    }
    if (map) map.on("click", (event) => pinAt(event.latlng.lat, event.latlng.lng));
    // A typed address: geocoded by the site's own geocoder (as the new-listing form does), the pin placed there.
    const address = form.querySelector('[name="address"]');
    async function findAddress() {
      const text = address.value.trim();
      if (!text) return;
      status.textContent = gettext("Looking up the address…");
      try {
        const answer = await fetch(`${address.dataset.geocodeUrl}?q=${encodeURIComponent(text)}`, { credentials: "same-origin" });
        const place = await answer.json();
        if (!answer.ok) { status.textContent = place.detail || gettext("That address was not found."); return; }
        pinAt(place.latitude, place.longitude);
        if (map) map.setView([place.latitude, place.longitude], 15);
        status.textContent = `Pickup set at ${text} (${place.city}).`;
      } catch (error) {
        status.textContent = gettext("The address could not be looked up: use your location or tap the map.");
      }
    }
    form.querySelector("[data-find-address]").addEventListener("click", findAddress);
    address.addEventListener("change", findAddress);
    address.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); findAddress(); } });
    form.querySelector("[data-locate]").addEventListener("click", () => {
      if (!navigator.geolocation) { status.textContent = gettext("Your browser cannot share its location: click the map."); return; }
      status.textContent = gettext("Finding you…");
      navigator.geolocation.getCurrentPosition(
        (position) => { status.textContent = ""; pinAt(position.coords.latitude, position.coords.longitude); },
        () => { status.textContent = gettext("Location refused: click the map or type your position."); },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    });
  }

  // --- The request page (both parties) -----------------------------------------------------
  function requestPage(section) {
    const id = parseInt(section.dataset.request, 10);
    const mapNode = section.querySelector("[data-live-map]");
    const map = mapNode ? makeMap(mapNode, parseFloat(section.dataset.lat), parseFloat(section.dataset.lng)) : null;
    const markers = {};
    // The arrival estimate, refreshed from the provider's live position: the same rule as the server's
    // (dispatch.selectors.arrival_minutes: 3 minutes to set off, then 20 km/h as the crow flies).
    const eta = section.querySelector("[data-eta-value]");
    const pickup = [parseFloat(section.dataset.lat), parseFloat(section.dataset.lng)];
    function km(lat, lng) {
      const rad = Math.PI / 180, dLat = (lat - pickup[0]) * rad, dLng = (lng - pickup[1]) * rad;
      const a = Math.sin(dLat / 2) ** 2 + Math.cos(pickup[0] * rad) * Math.cos(lat * rad) * Math.sin(dLng / 2) ** 2;
      return 12742 * Math.asin(Math.sqrt(a));
    }
    function providerAt(lat, lng) {
      if (!eta) return;
      eta.textContent = interpolate(gettext("%(minutes)s min"), { minutes: 3 + Math.ceil(km(lat, lng) / 20 * 60) }, true);
      const basis = section.querySelector("[data-eta-basis]");
      if (basis) basis.textContent = gettext("(from the live position)");
    }
    const socket = connect((data) => {
      if ((data.type === "assigned" || data.type === "expired") && data.request === id) location.reload();
      if (data.type === "location" && data.request === id) {
        section.dataset.otherPosition = `${data.lat},${data.lng}`;
        if (section.dataset.role === "requester") providerAt(data.lat, data.lng);
        if (map) {
          markers.other = markers.other || L.marker([data.lat, data.lng]).addTo(map);
          markers.other.setLatLng([data.lat, data.lng]);
        }
      }
      if (data.type === "error" && data.code === "sharing_stopped") {
        delete section.dataset.sharing;
        const note = section.querySelector("[data-live-status]");
        if (note) note.textContent = data.detail;
      }
    });
    if (section.hasAttribute("data-sharing") && navigator.geolocation) {
      let last = null;
      navigator.geolocation.watchPosition((position) => { last = position.coords; }, () => {}, { enableHighAccuracy: true });
      setInterval(() => {
        if (!last || !section.hasAttribute("data-sharing")) return;
        socket.send({ type: "location", request: id, lat: last.latitude, lng: last.longitude });
        if (section.dataset.role === "provider") providerAt(last.latitude, last.longitude);
        if (map) {
          markers.me = markers.me || L.circleMarker([last.latitude, last.longitude]).addTo(map);
          markers.me.setLatLng([last.latitude, last.longitude]);
        }
      }, 4000);
    }
  }

  // --- The provider's page -------------------------------------------------------------------
  function providerPage(section) {
    const list = section.querySelector("[data-offers]");
    const empty = section.querySelector("[data-no-offers]");
    const template = section.querySelector("[data-offer-template]");
    const acceptBase = "/dispatch/requests/";

    function refreshEmpty() { empty.hidden = list.querySelector("[data-offer]") !== null; }
    function addOffer(offer) {
      if (list.querySelector(`[data-offer="${offer.request}"]`)) return;
      const item = template.content.firstElementChild.cloneNode(true);
      item.dataset.offer = String(offer.request);
      const title = offer.kind === "car" ? gettext("A car for %(hours)s h") : gettext("A driver for %(hours)s h");
      item.querySelector("[data-offer-title]").textContent = interpolate(title, { hours: offer.hours }, true);
      item.querySelector("[data-offer-pickup]").textContent = offer.pickup || gettext("now");
      const distance = offer.distance_km.toLocaleString(document.documentElement.lang || undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
      item.querySelector("[data-offer-distance]").textContent = interpolate(gettext("%(km)s km away"), { km: distance }, true);
      item.querySelector("[data-offer-fare]").textContent = offer.fare_text;
      item.querySelector("[data-offer-area]").textContent = offer.area;
      item.querySelector("[data-offer-rider]").textContent = offer.rider_rating
        ? "★ " + interpolate(
          ngettext("%(rating)s from %(reviews)s review", "%(rating)s from %(reviews)s reviews", offer.rider_reviews),
          { rating: offer.rider_rating.toFixed(1), reviews: offer.rider_reviews }, true)
        : gettext("New rider: no reviews yet");
      const countdown = item.querySelector("[data-countdown]");
      countdown.dataset.countdown = String(offer.seconds_left);
      countdown.textContent = String(offer.seconds_left);
      item.querySelector("[data-accept]").action = `${acceptBase}${offer.request}/accept/`;
      item.querySelector("[data-pass]").action = `${acceptBase}${offer.request}/pass/`;
      list.appendChild(item);
      refreshEmpty();
    }
    function removeOffer(requestId) {
      const item = list.querySelector(`[data-offer="${requestId}"]`);
      if (item) item.remove();
      refreshEmpty();
    }
    connect((data) => {
      if (data.type === "hello") {
        // The server's list is the truth after a reconnect: drop what was taken meanwhile, add what is new.
        const live = new Set(data.offers.map((offer) => String(offer.request)));
        list.querySelectorAll("[data-offer]").forEach((item) => { if (!live.has(item.dataset.offer)) item.remove(); });
        data.offers.forEach(addOffer);
        refreshEmpty();
      } else if (data.type === "offer") {
        addOffer(data);
      } else if (data.type === "offer.withdrawn") {
        removeOffer(data.request);
      }
    });
    // Fill the position of "available now" from the browser when it lets us.
    section.querySelectorAll("[data-locate-form]").forEach((form) => {
      const lat = form.querySelector('[name="latitude"]');
      if (lat && !lat.value && navigator.geolocation) {
        navigator.geolocation.getCurrentPosition((position) => {
          if (!lat.value) {
            lat.value = position.coords.latitude.toFixed(6);
            form.querySelector('[name="longitude"]').value = position.coords.longitude.toFixed(6);
          }
        }, () => {});
      }
    });
  }

  function providerHeartbeat(section) {
    // "Still here": without it, "available now" goes off by itself after a silence.
    const switches = section.querySelectorAll("[data-switch][data-available]");
    if (!switches.length) return;
    const socket = connect(() => {});
    let coords = null;
    if (navigator.geolocation) navigator.geolocation.watchPosition((position) => { coords = position.coords; }, () => {});
    setInterval(() => {
      switches.forEach((item) => {
        const lat = coords ? coords.latitude : parseFloat(item.dataset.lat);
        const lng = coords ? coords.longitude : parseFloat(item.dataset.lng);
        if (!Number.isNaN(lat) && !Number.isNaN(lng)) socket.send({ type: "heartbeat", listing: parseInt(item.dataset.listing, 10), lat: lat, lng: lng });
      });
    }, 20000);
  }

  const form = document.querySelector("[data-need-form]");
  if (form) needPage(form);
  const request = document.querySelector("[data-request-page]");
  if (request) requestPage(request);
  const provider = document.querySelector("[data-provider-page]");
  if (provider) { providerPage(provider); providerHeartbeat(provider); }
  setInterval(tickCountdowns, 1000);
})();
