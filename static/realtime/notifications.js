/* Sharing realtime: the bell, toasts and live conversations over one WebSocket per page.
 *
 * Loaded by base.html for logged-in people. It keeps /ws/notifications/ open, reconnects
 * with exponential backoff and jitter, and resumes from the newest notification id it has
 * seen (kept in sessionStorage), so nothing is missed across reconnects or page loads.
 * Duplicates are dropped by id. Text from the server is only ever set with textContent.
 */
(function () {
  "use strict";
  // The words in the reader's language (Django's JavaScript catalogue, /jsi18n/ in base.html); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (text, values) { return text.replace(/%\(\w+\)s/g, function (m) { return values[m.slice(2, -2)]; }); };
  var bell = document.getElementById("notifications-bell");
  if (!bell || !window.WebSocket) { return; }

  var userId = bell.getAttribute("data-user");
  var cursorKey = "sharing.realtime.last_id." + userId;
  var seen = new Set();
  var recent = [];            // newest first, for the dropdown
  var unread = 0;
  var countedUpTo = 0;        // hello's unread count already includes ids up to this one
  var socket = null;
  var attempt = 0;
  var timer = null;
  var connectedOnce = false;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || ""; }
    catch (e) { return ""; }
  }
  function storedCursor() {
    var value = parseInt(sessionStorage.getItem(cursorKey) || "", 10);
    return isNaN(value) ? null : value;
  }
  function storeCursor(id) {
    var current = storedCursor();
    if (current === null || id > current) { sessionStorage.setItem(cursorKey, String(id)); }
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); return true; }
    return false;
  }

  /* --- the bell ----------------------------------------------------------------- */
  bell.textContent = "";
  var button = el("button", "link rt-bell-button");
  button.type = "button";
  button.setAttribute("aria-haspopup", "true");
  button.setAttribute("aria-expanded", "false");
  // The bell is the sprite's icon (an emoji bell shows as an empty box where fonts lack it).
  var svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon large rt-bell-icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  var use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", (bell.getAttribute("data-sprite") || "/static/icons/sprite.svg") + "#bell");
  svg.appendChild(use);
  button.appendChild(svg);
  button.setAttribute("aria-label", gettext("Notifications"));
  var counter = el("span", "rt-count", "");
  counter.hidden = true;
  button.appendChild(counter);
  var panel = el("div", "rt-panel card");
  panel.hidden = true;
  var list = el("ol", "rt-list");
  var actions = el("p", "rt-panel-actions");
  var readAll = el("button", "link", gettext("Mark all read"));
  readAll.type = "button";
  var allLink = el("a", "", gettext("All notifications"));
  allLink.href = "/notifications/";
  var inboxLink = el("a", "", gettext("Messages"));
  inboxLink.href = "/messages/";
  actions.appendChild(readAll); actions.appendChild(document.createTextNode(" · "));
  actions.appendChild(allLink); actions.appendChild(document.createTextNode(" · "));
  actions.appendChild(inboxLink);
  panel.appendChild(list); panel.appendChild(actions);
  bell.appendChild(button); bell.appendChild(panel);

  button.addEventListener("click", function () {
    panel.hidden = !panel.hidden;
    button.setAttribute("aria-expanded", String(!panel.hidden));
  });
  document.addEventListener("click", function (event) {
    if (!bell.contains(event.target)) { panel.hidden = true; button.setAttribute("aria-expanded", "false"); }
  });
  readAll.addEventListener("click", function () {
    if (!send({ type: "read_all" })) { apiPost("/api/v1/notifications/read", {}); }
  });

  function renderCount() {
    counter.textContent = unread > 99 ? "99+" : String(unread);
    counter.hidden = unread === 0;
    button.setAttribute("aria-label", interpolate(gettext("%(count)s unread notifications"), { count: unread }, true));
  }
  function renderList() {
    list.textContent = "";
    if (!recent.length) { list.appendChild(el("li", "muted", gettext("No notifications yet."))); return; }
    recent.slice(0, 10).forEach(function (n) {
      var item = el("li", "rt-item" + (n.read ? "" : " unread"));
      var link = el(n.url ? "a" : "span", "", n.text);
      if (n.url) { link.href = n.url; }
      link.addEventListener("click", function () { if (!n.read) { send({ type: "read", id: n.id }); } });
      item.appendChild(link);
      list.appendChild(item);
    });
  }
  function toast(text, url) {
    var box = document.getElementById("toasts");
    if (!box) { return; }
    var node = el(url ? "a" : "div", "toast", text);
    if (url) { node.href = url; }
    // No role on the toast itself: role=status on a link hides that it is a link and takes its name
    // away; the #toasts container is the live region.
    box.appendChild(node);
    setTimeout(function () { node.remove(); }, 6000);
  }

  function receiveNotification(n, live) {
    if (seen.has(n.id)) { return; }   // duplicates are harmless: dropped here
    seen.add(n.id);
    storeCursor(n.id);
    recent.unshift(n);
    recent.sort(function (a, b) { return b.id - a.id; });
    recent.length = Math.min(recent.length, 50);
    if (!n.read && n.id > countedUpTo) { unread += 1; }
    renderCount(); renderList();
    if (live && !n.read) { toast(n.text, n.url); }
    document.dispatchEvent(new CustomEvent("sharing:notification", { detail: n }));
  }

  function apiGet(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); });
  }
  function apiPost(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken(), Accept: "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json().then(function (data) { return { ok: r.ok, data: data }; }); });
  }

  /* --- the socket --------------------------------------------------------------- */
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/ws/notifications/");
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      handle(data);
    };
    socket.onclose = function (event) {
      socket = null;
      bell.removeAttribute("data-connected");
      if (event.code === 4401) { return; }  // logged out: do not hammer the server
      scheduleReconnect();
    };
  }
  function scheduleReconnect() {
    clearTimeout(timer);
    // Full jitter: a random wait up to 0.5 s * 2^attempt, capped at 30 s, so a server
    // restart is not met by every browser at the same instant.
    var ceiling = Math.min(30000, 500 * Math.pow(2, attempt));
    attempt += 1;
    timer = setTimeout(connect, Math.random() * ceiling);
  }

  function handle(data) {
    switch (data.type) {
      case "hello":
        attempt = 0;
        bell.setAttribute("data-connected", "true");
        unread = data.unread;
        countedUpTo = data.last_id;
        renderCount();
        var cursor = storedCursor();
        if (cursor === null) {
          // First page of this tab: the dropdown shows the newest ones, no toasts for old news.
          storeCursor(data.last_id);
          if (!connectedOnce) {
            apiGet("/api/v1/notifications/recent?limit=10").then(function (items) {
              items.forEach(function (n) { seen.add(n.id); });
              recent = items.concat(recent.filter(function (n) { return items.every(function (i) { return i.id !== n.id; }); }));
              renderList();
            }).catch(function () {});
          }
        } else {
          send({ type: "resume", last_id: cursor });
          if (!connectedOnce) {
            apiGet("/api/v1/notifications/recent?limit=10").then(function (items) {
              items.forEach(function (n) { if (!seen.has(n.id)) { seen.add(n.id); recent.push(n); } });
              recent.sort(function (a, b) { return b.id - a.id; });
              renderList();
            }).catch(function () {});
          }
        }
        if (connectedOnce) { document.dispatchEvent(new CustomEvent("sharing:reconnected")); }
        connectedOnce = true;
        break;
      case "notification":
        receiveNotification(data.notification, true);
        break;
      case "read":
        unread = data.unread;
        recent.forEach(function (n) { if (data.ids === null || data.ids.indexOf(n.id) !== -1) { n.read = true; } });
        renderCount(); renderList();
        break;
      case "thread.message":
      case "thread.read":
        document.dispatchEvent(new CustomEvent("sharing:thread", { detail: data }));
        break;
      default:
        break;
    }
  }

  renderCount(); renderList();
  connect();

  /* --- an open conversation page -------------------------------------------------- */
  var thread = document.getElementById("thread");
  if (!thread) { return; }
  var threadId = parseInt(thread.getAttribute("data-thread"), 10);
  var me = parseInt(thread.getAttribute("data-me"), 10);
  var box = document.getElementById("thread-messages");
  var receipt = document.getElementById("read-receipt");
  var form = document.getElementById("thread-form");
  var seenUpTo = Math.max.apply(null, [0].concat((receipt.getAttribute("data-seen-up-to") || "").split(",")
    .map(function (v) { return parseInt(v, 10) || 0; })));

  function lastMessageId() {
    var items = box.querySelectorAll("li[data-id]");
    return items.length ? parseInt(items[items.length - 1].getAttribute("data-id"), 10) : 0;
  }
  function renderReceipt() {
    var mine = box.querySelectorAll("li.mine[data-id]");
    if (!mine.length) { receipt.textContent = ""; return; }
    var lastMine = parseInt(mine[mine.length - 1].getAttribute("data-id"), 10);
    if (seenUpTo >= lastMine) { var seen = "\u2713\u2713 " + gettext("Seen"); if (receipt.textContent !== seen) { receipt.textContent = seen; } }
    else { receipt.textContent = "\u2713 " + gettext("Sent"); }
  }
  function appendMessage(m) {
    if (box.querySelector('li[data-id="' + m.id + '"]')) { return; }
    var empty = box.querySelector(".rt-empty");
    if (empty) { empty.remove(); }
    var item = el("li", "rt-message" + (m.sender === me ? " mine" : ""));
    item.setAttribute("data-id", String(m.id));
    item.setAttribute("data-sender", String(m.sender));
    var meta = el("div", "rt-meta");
    meta.appendChild(el("strong", "", m.sender_name));
    meta.appendChild(document.createTextNode(" "));
    meta.appendChild(el("time", "", new Date(m.created_at).toLocaleString()));
    item.appendChild(meta);
    var body = el("div", "rt-body", m.body);
    if (m.text_language) { body.setAttribute("lang", m.text_language); }
    item.appendChild(body);
    box.appendChild(item);
    item.scrollIntoView({ block: "nearest" });
    renderReceipt();
  }
  function markRead() {
    if (document.visibilityState === "visible") { send({ type: "thread.read", thread: threadId, up_to_id: lastMessageId() }); }
  }

  document.addEventListener("sharing:thread", function (event) {
    var data = event.detail;
    if (data.thread !== threadId) { return; }
    if (data.type === "thread.message") {
      appendMessage(data.message);
      if (data.message.sender !== me) { markRead(); }
    } else if (data.type === "thread.read" && data.user !== me) {
      seenUpTo = Math.max(seenUpTo, data.last_read_id);
      renderReceipt();
    }
  });
  document.addEventListener("sharing:reconnected", function () {
    // Live thread events are not replayed; fetch what arrived while the socket was down.
    apiGet("/api/v1/threads/" + threadId + "/messages?after_id=" + lastMessageId()).then(function (items) {
      items.forEach(appendMessage);
      if (items.length) { markRead(); }
    }).catch(function () {});
  });
  document.addEventListener("visibilitychange", markRead);

  form.addEventListener("submit", function (event) {
    var field = form.querySelector("textarea[name=body]");
    if (!field || !window.fetch) { return; }  // the plain POST still works
    event.preventDefault();
    var body = field.value;
    apiPost("/api/v1/threads/" + threadId + "/messages", { body: body }).then(function (result) {
      if (result.ok) { field.value = ""; appendMessage(result.data); }
      else { toast(result.data.detail || "That message could not be sent."); }
    }).catch(function () { form.submit(); });
  });
  renderReceipt();
})();
