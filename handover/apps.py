from django.apps import AppConfig


class HandoverConfig(AppConfig):
    name = "handover"
    label = "handover"
    verbose_name = "Car handovers and deposits"
