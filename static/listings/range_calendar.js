// The listing page's availability calendar as a range picker: the first day picked is the check-in (or the
// first day of a rental), the second the check-out; the booking panel's dates are filled and its live quote
// runs. Only free days start a stay, and a stay never spans a booked day: after a check-in, the days up to
// the first booked one (inclusive: you leave the morning it starts) are the check-outs offered.
// Keyboard: the calendar is one tab stop; arrows move a day or a week, Home/End to the week's ends,
// Enter or Space picks, Escape starts again.
(function () {
  "use strict";
  // The words in the reader's language (Django's JavaScript catalogue, /jsi18n/ in base.html); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (text, values) { return text.replace(/%\(\w+\)s/g, function (m) { return values[m.slice(2, -2)]; }); };
  var root = document.getElementById("range-calendar");
  var form = document.getElementById("booking-panel-form");
  if (!root || !form || !root.hasAttribute("data-pickable")) return;
  var startInput = document.getElementById("panel-start");
  var endInput = document.getElementById("panel-end");
  var status = document.getElementById("range-status");
  var days = Array.prototype.slice.call(root.querySelectorAll("button.day"));
  var hourly = root.dataset.kind !== "room";
  var start = null, end = null;

  function iso(button) { return button.dataset.date; }
  function index(date) { for (var i = 0; i < days.length; i++) { if (iso(days[i]) === date) return i; } return -1; }
  function label(button) { return button.getAttribute("aria-label").split(",")[0]; }
  function say(text) { if (status) status.textContent = text; }

  // With a check-in chosen and no check-out yet, the days that may end the stay; otherwise the free days.
  function pickable(i) {
    if (start !== null && end === null) {
      if (i <= start) return days[i].dataset.state === "free";
      for (var j = start; j < i; j++) { if (days[j].dataset.state !== "free") return false; }
      return true;
    }
    return days[i].dataset.state === "free";
  }

  function paint() {
    days.forEach(function (button, i) {
      var chosen = i === start || i === end;
      button.classList.toggle("range-start", i === start);
      button.classList.toggle("range-end", i === end);
      button.classList.toggle("in-range", start !== null && end !== null && i >= start && i <= end);
      button.setAttribute("aria-pressed", chosen ? "true" : "false");
      if (pickable(i)) { button.removeAttribute("aria-disabled"); } else { button.setAttribute("aria-disabled", "true"); }
    });
  }

  // datetime-local fields keep the time already typed (10:00 when none): the calendar picks days, not hours.
  function value(input, date) {
    if (!hourly) return date;
    var time = (input.value.split("T")[1] || "10:00").slice(0, 5);
    return date + "T" + time;
  }

  function fill() {
    startInput.value = value(startInput, iso(days[start]));
    endInput.value = value(endInput, iso(days[end]));
    // The panel's form runs the live quote on "change" (htmx), as when the dates are typed.
    endInput.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function choose(i) {
    if (!pickable(i)) {
      say(interpolate(start !== null && end === null ? gettext("%(day)s is not available for this stay: the days between are not all free.") : gettext("%(day)s is not available."), { day: label(days[i]) }, true));
      return;
    }
    if (start === null || end !== null || i <= start) {
      start = i; end = null;
      say(interpolate(hourly ? gettext("First day %(day)s. Now pick the last day.") : gettext("Check-in %(day)s. Now pick the check-out."), { day: label(days[i]) }, true));
    } else {
      end = i;
      say(interpolate(gettext("%(start)s to %(end)s: the price is shown in the booking panel."), { start: label(days[start]), end: label(days[end]) }, true));
      fill();
    }
    paint();
  }

  // One tab stop for the whole calendar (roving tabindex), on the chosen day or the first free one.
  var focusable = 0;
  function rove(i) {
    days[focusable].setAttribute("tabindex", "-1");
    focusable = Math.max(0, Math.min(days.length - 1, i));
    days[focusable].setAttribute("tabindex", "0");
  }

  days.forEach(function (button, i) {
    button.addEventListener("click", function () { rove(i); choose(i); });
    button.addEventListener("keydown", function (event) {
      var moves = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
      var target = null;
      if (event.key in moves) { target = i + moves[event.key]; }
      else if (event.key === "Home" || event.key === "End") {
        // The week's first or last day of this month (a month's first and last weeks are partial rows).
        var row = button.closest("tr").querySelectorAll("button.day");
        target = days.indexOf(row[event.key === "Home" ? 0 : row.length - 1]);
      }
      else if (event.key === "Escape") { start = end = null; paint(); say(hourly ? gettext("Pick the first day.") : gettext("Pick the check-in.")); event.preventDefault(); return; }
      if (target === null) return;
      event.preventDefault();
      rove(target);
      days[focusable].focus();
    });
  });

  // Dates typed in the panel (or carried from the search) show on the calendar too.
  function fromInputs() {
    var a = index(startInput.value.slice(0, 10)), b = index(endInput.value.slice(0, 10));
    start = a >= 0 ? a : null;
    end = start !== null && b > start ? b : null;
    paint();
  }
  startInput.addEventListener("change", function (event) { if (event.isTrusted) fromInputs(); });
  endInput.addEventListener("change", function (event) { if (event.isTrusted) fromInputs(); });
  fromInputs();
  var first = start !== null ? start : days.findIndex(function (b) { return b.dataset.state === "free"; });
  days[0].setAttribute("tabindex", "-1");
  rove(first >= 0 ? first : 0);
})();
