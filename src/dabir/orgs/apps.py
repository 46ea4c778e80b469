from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dabir.orgs"
    label = "orgs"
    verbose_name = "ساختار سازمانی"
