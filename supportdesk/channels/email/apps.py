from django.apps import AppConfig


class EmailChannelConfig(AppConfig):
    name = "supportdesk.channels.email"
    label = "email_channel"
    verbose_name = "Email"

    def ready(self) -> None:
        # Registers the mail tasks' batches with the worker before it claims its first task.
        from supportdesk.channels.email import tasks  # noqa: F401
