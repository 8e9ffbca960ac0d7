/* "Turn on notifications on this device": registers the service worker, subscribes with the site's VAPID key,
   and sends the subscription to the API. Progressive: without service workers or push the button stays hidden. */
(function () {
  "use strict";
  var button = document.getElementById("push-toggle");
  if (!button || !("serviceWorker" in navigator) || !("PushManager" in window)) { return; }
  var status = document.getElementById("push-status");
  function csrf() {
    var match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function post(path, body) {
    return fetch("/api/v1/notification-settings/" + path, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf() }, body: JSON.stringify(body)
    });
  }
  function keyBytes(base64url) {
    var padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(padded), bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    fetch("/api/v1/notification-settings/push/key", { credentials: "same-origin" }).then(function (r) { return r.json(); })
      .then(function (key) {
        if (!key.enabled) { throw new Error("Push is not set up on this site."); }
        return navigator.serviceWorker.register("/sw.js").then(function (registration) {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key.public_key) });
        });
      })
      .then(function (subscription) { return post("push/subscriptions", subscription.toJSON()); })
      .then(function () { status.textContent = "Notifications are on for this device."; })
      .catch(function (error) { status.textContent = "Could not turn on notifications: " + error.message; });
  });
})();
