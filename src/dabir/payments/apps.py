from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "dabir.payments"
    label = "payments"
    verbose_name = "پرداخت"
