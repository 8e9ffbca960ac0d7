from django.apps import AppConfig


class PersonalDataConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "personaldata"
    verbose_name = "Personal data (export and account deletion)"
