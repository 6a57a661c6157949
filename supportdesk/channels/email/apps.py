from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "supportdesk.channels.email"
    label = "email_channel"
    verbose_name = "Email"
