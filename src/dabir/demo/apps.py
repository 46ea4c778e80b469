from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo holds no data of its own: it is an app only for its command, `dabir demo`,
    which may know every other app (core may not)."""

    name = "dabir.demo"
    label = "demo"
    verbose_name = "نمونه نمایشی"
