from django.urls import path

from payments import views

app_name = "payments"
urlpatterns = [
    path("stripe/webhook/", views.stripe_webhook, name="stripe_webhook"),
    path("payouts/", views.payout_settings, name="payout_settings"),
    path("payouts/return/", views.payout_onboarding_return, name="payout_onboarding_return"),
    path("payouts/refresh/", views.payout_onboarding_refresh, name="payout_onboarding_refresh"),
    path("<int:payment_id>/authenticate/", views.payment_authenticate, name="payment_authenticate"),
]
