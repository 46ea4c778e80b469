from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dabir.core"
    label = "core"
    verbose_name = "هسته"
