from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo holds no data of its own: it is an app for its command, `dabir demo`, which may
    know every other app (core may not), and for the demo civil registry's automatic answers."""

    name = "dabir.demo"
    label = "demo"
    verbose_name = "نمونه نمایشی"

    def ready(self):
        from dabir.exchange import responders

        from .exchange import RESPONDER, answer_identity

        # The demo's ثبت احوال answers national-code inquiries by itself (its InquiryType names it).
        responders.register_responder(RESPONDER, answer_identity)
