from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "sharing.disputes"
    label = "disputes"
    verbose_name = "Disputes and the admin's desk"
