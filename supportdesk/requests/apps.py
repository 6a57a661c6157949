from django.apps import AppConfig


class RequestsConfig(AppConfig):
    name = "supportdesk.requests"
    label = "requests"
    verbose_name = "Standard requests and API"
    default_auto_field = "django.db.models.BigAutoField"
