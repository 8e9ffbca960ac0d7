from django.apps import AppConfig


class PromotionsConfig(AppConfig):
    name = "promotions"
    verbose_name = "Promo codes and referral credit"

    def ready(self) -> None:
        from promotions import signals  # noqa: F401  (records the referrer at sign-up)
