from django.apps import AppConfig


class SigningConfig(AppConfig):
    name = "dabir.signing"
    label = "signing"
    verbose_name = "امضای الکترونیکی"
