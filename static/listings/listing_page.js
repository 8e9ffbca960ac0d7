// Listing page: the photo gallery (full screen on a tap) and the phone's reserve bar, which shows the
// total for the chosen dates once the booking panel's live quote has priced them.
(function () {
  "use strict";
  // The words in the reader's language (Django's JavaScript catalogue, /jsi18n/ in base.html); English without it.
  var gettext = window.gettext || function (text) { return text; };
  var interpolate = window.interpolate || function (text, values) { return text.replace(/%\(\w+\)s/g, function (m) { return values[m.slice(2, -2)]; }); };
  var dialog = document.getElementById("gallery-dialog");
  if (dialog && dialog.showModal) {
    var full = dialog.querySelectorAll(".gallery-full li");
    document.querySelectorAll("#gallery .gallery-open").forEach(function (button) {
      button.addEventListener("click", function () {
        dialog.showModal();
        var target = full[parseInt(button.dataset.index, 10)];
        if (target) { target.scrollIntoView({ block: "nearest", inline: "start" }); }
      });
    });
    dialog.querySelector(".gallery-close").addEventListener("click", function () { dialog.close(); });
  }

  var amount = document.getElementById("reserve-amount");
  var unit = document.getElementById("reserve-unit");
  var reserve = document.getElementById("reserve-button");
  var form = document.getElementById("booking-panel-form");
  if (!amount || !form) return;
  var perUnit = [amount.textContent, unit.textContent];

  function showQuote() {
    var quote = document.querySelector("#panel-quote table.quote");
    if (quote) {
      amount.textContent = quote.dataset.total;
      unit.textContent = interpolate(gettext("total for %(units)s"), { units: quote.dataset.units }, true);
    } else {
      amount.textContent = perUnit[0];
      unit.textContent = perUnit[1];
    }
  }
  document.body.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "panel-quote") { showQuote(); }
  });
  // With dates that priced, the bar's button goes straight to the book page; otherwise it brings the
  // panel into view with the first date to fill focused.
  reserve.addEventListener("click", function (event) {
    event.preventDefault();
    if (document.querySelector("#panel-quote table.quote")) { form.requestSubmit(); return; }
    form.scrollIntoView({ behavior: "smooth", block: "center" });
    var first = document.getElementById("panel-start");
    if (first) { first.focus({ preventScroll: true }); }
  });
})();
