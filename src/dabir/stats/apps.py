from django.apps import AppConfig
from django.conf import settings


class StatsConfig(AppConfig):
    name = "dabir.stats"
    label = "stats"
    verbose_name = "نظارت و آمار"

    def ready(self):
        from dabir.core import periodic

        from . import aggregate

        # Every change to a letter, referral, print, signature, delivery or desk request marks its
        # agency-days dirty in its own transaction; the worker recomputes them (aggregate.refresh).
        aggregate.connect()
        periodic.register("stats-refresh", aggregate.refresh, seconds=lambda: settings.DABIR_STATS_REFRESH_SECONDS)
        # A supervisor holds no position: they land on the dashboard after signing in.
        from dabir.accounts import landing

        from .views.home import landing as stats_landing

        landing.register(stats_landing)
        # The letter that carried an evaluation questionnaire offers its answer form on the letter page.
        from dabir.letters import panels

        from .letter_panel import evaluation_panel, has_evaluation

        panels.register("stats-evaluation", applies=has_evaluation, template="stats/evaluation/letter_panel.html",
                        context=evaluation_panel)
