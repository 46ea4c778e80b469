from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "dabir.orgs"
    label = "orgs"
    verbose_name = "ساختار سازمانی"

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Assignment, Position
        from .selectors import forget_seats

        for model in (Assignment, Position):
            for signal in (post_save, post_delete):
                signal.connect(lambda **_: forget_seats(), sender=model, weak=False,
                               dispatch_uid=f"orgs-forget-seats-{model.__name__}-{signal is post_save}")
