from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "dabir.desk"
    label = "desk"
    verbose_name = "میز خدمت الکترونیک"

    def ready(self):
        # Registers the desk's payment hook (payments.on_paid) in every process, web and worker.
        from . import services  # noqa: F401
