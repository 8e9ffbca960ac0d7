/* Sharing's service worker: shows a Web Push as a system notification and opens its link when clicked.
   The payload is what the bell shows: {"id", "kind", "title", "url"} (the push service decrypted it for us). */
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { title: event.data && event.data.text() }; }
  var title = data.title || "Sharing";
  event.waitUntil(self.registration.showNotification(title, {
    tag: data.id ? "sharing-" + data.id : undefined,
    data: { url: data.url || "/notifications/" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = (event.notification.data && event.notification.data.url) || "/notifications/";
  // Only paths on this site: the payload never names another origin.
  if (url.charAt(0) !== "/" || url.charAt(1) === "/") { url = "/notifications/"; }
  event.waitUntil(clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      if ("focus" in windows[i]) { windows[i].navigate(url); return windows[i].focus(); }
    }
    return clients.openWindow(url);
  }));
});
