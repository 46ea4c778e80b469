from django.apps import AppConfig


class CountersConfig(AppConfig):
    name = "dabir.counters"
    label = "counters"
    verbose_name = "دفاتر پیشخوان دولت"

    def ready(self):
        from dabir.core import cleanup
        from dabir.desk import gates

        from . import policy, services  # noqa: F401  (services registers the payments on_paid hook)

        # Every counter-channel submission by an operator, from any path (pages, the API, Open311),
        # passes the office's checks: a bound operator, an active licence, the service offered there.
        gates.register_counter_gate(policy.counter_gate)
        cleanup.register_file_fields("counters", ("counters.LetterScan", "file"))
