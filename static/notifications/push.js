/* "Turn on notifications on this device", in the bell's menu on every page (and on the notification settings
   page): asks the browser's permission, registers the service worker (/sw.js), subscribes with the site's VAPID
   key (this script's data-key) and sends the subscription to the API; "turn off" undoes it. Loaded by base.html
   after realtime/notifications.js (which builds the bell menu), only when the site has VAPID keys.
   Progressive: a browser without service workers or push shows no button. */
(function () {
  "use strict";
  var script = document.currentScript;
  var key = script && script.getAttribute("data-key");
  if (!key || !("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) { return; }
  var API = "/api/v1/notification-settings/push/";

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function post(path, body) {
    return fetch(API + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() }, body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) { throw new Error("the site answered " + response.status); }
      return response;
    });
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  function currentSubscription() {
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  var controls = [];
  function control(button, status) {
    controls.push({ button: button, status: status });
    button.addEventListener("click", function (event) {
      event.stopPropagation();  // the bell menu stays open to show the outcome
      button.disabled = true;
      (button.getAttribute("data-state") === "on" ? turnOff() : turnOn())
        .then(show, function (error) { show("error", error.message || String(error)); })
        .then(function () { button.disabled = false; });
    });
  }
  function show(state, problem) {
    var texts = {
      on: ["Turn off notifications on this device", "Notifications are on for this device."],
      off: ["Turn on notifications on this device", ""],
      blocked: ["", "Notifications are blocked for this site in your browser's settings."],
      error: ["Turn on notifications on this device", "Could not turn on notifications: " + problem]
    }[state];
    controls.forEach(function (c) {
      c.button.hidden = !texts[0];
      c.button.textContent = texts[0];
      c.button.setAttribute("data-state", state === "on" ? "on" : "off");
      c.status.textContent = texts[1];
    });
  }
  function turnOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { return "blocked"; }
      return navigator.serviceWorker.register("/sw.js")
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
        })
        .then(function (subscription) { return post("subscriptions", subscription.toJSON()); })
        .then(function () { return "on"; });
    });
  }
  function turnOff() {
    return currentSubscription().then(function (subscription) {
      if (!subscription) { return "off"; }
      return post("unsubscribe", { endpoint: subscription.endpoint })
        .then(function () { return subscription.unsubscribe(); })
        .then(function () { return "off"; });
    });
  }

  // The bell's menu (built by realtime/notifications.js, which runs first).
  var panel = document.querySelector("#notifications-bell .rt-panel");
  if (panel) {
    var row = document.createElement("p");
    row.className = "rt-push";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "link";
    var status = document.createElement("span");
    status.className = "muted";
    status.setAttribute("role", "status");
    row.appendChild(button); row.appendChild(document.createTextNode(" ")); row.appendChild(status);
    panel.appendChild(row);
    control(button, status);
  }
  // The notification settings page's own button.
  var settingsButton = document.getElementById("push-toggle");
  if (settingsButton) { control(settingsButton, document.getElementById("push-status")); }

  if (Notification.permission === "denied") { show("blocked"); return; }
  currentSubscription().then(function (subscription) {
    show(subscription ? "on" : "off");
    // Once per browser session, tell the site again (idempotent): it may have dropped this device after a 410.
    if (subscription && !sessionStorage.getItem("sharing.push.told")) {
      post("subscriptions", subscription.toJSON()).then(function () { sessionStorage.setItem("sharing.push.told", "1"); },
        function () {});
    }
  }, function () { show("off"); });
})();
