from django.apps import AppConfig


class PlansConfig(AppConfig):
    name = "supportdesk.plans"
    label = "plans"
    verbose_name = "Plans and subscriptions"
