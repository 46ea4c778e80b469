from django.apps import AppConfig


class CountersConfig(AppConfig):
    name = "dabir.counters"
    label = "counters"
    verbose_name = "دفاتر پیشخوان دولت"

    def ready(self):
        from dabir.accounts import landing
        from dabir.core import cleanup
        from dabir.desk import gates

        from . import policy, services  # noqa: F401  (services registers the payments on_paid hook)

        # Every counter-channel submission by an operator, from any path (pages, the API, Open311),
        # passes the office's checks: a bound operator, an active licence, the service offered there.
        gates.register_counter_gate(policy.counter_gate)
        cleanup.register_file_fields("counters", ("counters.LetterScan", "file"))
        # Operators and regulators hold no position: they land on the counters' pages after signing in.
        from .views.home import landing as counters_landing

        landing.register(counters_landing)
        # Letters filed at the counter: a reply dispatched «دفتر پیشخوان» answers the citizen's letter, and the
        # registered letter's page shows the office and the citizen.
        from dabir.letters import outlets, panels
        from dabir.letters.models import Channel as LetterChannel

        from .letter_panel import counter_letter_panel, has_counter_letter

        outlets.register(LetterChannel.COUNTER, services.answer_dispatched)
        panels.register("counters", applies=has_counter_letter, template="counters/letters/panel.html",
                        context=counter_letter_panel)
        # An approved fee schedule never changes, from any path (the admin included): see fee_guard.py.
        from . import fee_guard

        fee_guard.connect()
        # A closed settlement month never changes, from any path: see services/settlement.py.
        services.settlement.guard_closed_months()
