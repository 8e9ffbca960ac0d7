from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = _("Promo codes and referral credit")

    def ready(self) -> None:
        from promotions import signals  # noqa: F401  (records the referrer at sign-up)
