from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonalDataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "personaldata"
    verbose_name = _("Personal data (export and account deletion)")
