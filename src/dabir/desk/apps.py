from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "dabir.desk"
    label = "desk"
    verbose_name = "میز خدمت الکترونیک"

    def ready(self):
        from dabir.core import cleanup
        from dabir.letters import panels

        # Registers the desk's payment hook (payments.on_paid) in every process, web and worker.
        from . import services  # noqa: F401
        from .selectors import is_desk_letter
        from .templatetags.desk_staff import desk_staff_panel

        # The desk's actions on the letter page of its requests, results and complaints.
        panels.register("desk", applies=is_desk_letter, template="desk/staff_panel.html", context=desk_staff_panel)
        cleanup.register_draft_folder("desk-drafts")  # the request form's uploads before submission
        cleanup.register_file_fields("desk", ("desk.RequestDocument", "file"))
        # The answers to the inquiries of inquiry stages come back to the request that asked.
        from dabir.exchange import responders

        responders.register_listener(services.REQUESTER, services.inquiry_answered)
