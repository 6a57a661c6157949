from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "supportdesk.portal"
    label = "portal"
    verbose_name = "Customer pages"
