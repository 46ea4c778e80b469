from django.apps import AppConfig


class LettersConfig(AppConfig):
    name = "dabir.letters"
    label = "letters"
    verbose_name = "مکاتبات"
