from django.apps import AppConfig


class DeskConfig(AppConfig):
    name = "dabir.desk"
    label = "desk"
    verbose_name = "میز خدمت الکترونیک"
