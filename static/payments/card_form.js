// Card forms and 3-D Secure with Stripe.js: the card goes from the browser to Stripe,
// our server only ever sees the PaymentMethod id (and then the PaymentIntent's state).
(function () {
  "use strict";

  function setupCardForm(fieldset) {
    const form = fieldset.closest("form");
    const stripe = Stripe(fieldset.dataset.stripeKey);
    const card = stripe.elements().create("card");
    card.mount(fieldset.querySelector("[data-card-element]"));
    const errors = fieldset.querySelector("[data-card-errors]");
    const input = fieldset.querySelector('input[name="payment_method"]');

    form.addEventListener("submit", async (event) => {
      if (input.value) {
        return; // the PaymentMethod exists: let the form go to our server
      }
      event.preventDefault();
      errors.textContent = "";
      const submit = form.querySelector('[type="submit"]');
      if (submit) submit.disabled = true;
      const result = await stripe.createPaymentMethod({ type: "card", card: card });
      if (submit) submit.disabled = false;
      if (result.error) {
        errors.textContent = result.error.message || "Your card details were refused.";
        return;
      }
      input.value = result.paymentMethod.id;
      form.requestSubmit ? form.requestSubmit(submit || undefined) : form.submit();
    });
  }

  async function runCardAction(box) {
    // The page's form posts back to the server once Stripe.js has finished the authentication.
    const stripe = Stripe(box.dataset.stripeKey);
    const form = box.closest("form");
    const secret = box.dataset.clientSecret;
    // A card saved for a later charge is a SetupIntent ("seti_..."): the bank checks the card, nothing is paid.
    const result = secret.startsWith("seti_")
      ? await stripe.confirmCardSetup(secret)
      : await stripe.handleCardAction(secret);
    if (result.error) {
      box.querySelector("[data-card-errors]").textContent =
        result.error.message || "The card's authentication failed.";
    }
    form.submit();
  }

  document.querySelectorAll("[data-card-form]").forEach(setupCardForm);
  document.querySelectorAll("[data-card-action]").forEach((box) => {
    const button = box.querySelector("button[data-start]");
    button.addEventListener("click", (event) => {
      event.preventDefault();
      button.disabled = true;
      runCardAction(box);
    });
  });
})();
