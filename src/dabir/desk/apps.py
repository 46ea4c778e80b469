from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "dabir.desk"
    label = "desk"
    verbose_name = "میز خدمت الکترونیک"

    def ready(self):
        # Registers the desk's payment hook (payments.on_paid) in every process, web and worker.
        from dabir.core import cleanup

        from . import services  # noqa: F401

        cleanup.register_draft_folder("desk-drafts")  # the request form's uploads before submission
        cleanup.register_file_fields("desk", ("desk.RequestDocument", "file"))
