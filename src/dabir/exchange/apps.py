from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "dabir.exchange"
    label = "exchange"
    verbose_name = "تبادل الکترونیکی نامه"

    def ready(self):
        from dabir.letters import address_book, outlets, panels
        from dabir.letters.models import Channel

        from .panels import exchange_panel, has_exchange
        from .selectors import directory_names
        from .services import queue_letter

        # Dispatching by «الکترونیکی» queues the letter for every outside recipient in the directory.
        outlets.register(Channel.NETWORK, queue_letter)
        panels.register("exchange", applies=has_exchange, template="exchange/letter_panel.html", context=exchange_panel)
        # The compose form suggests the directory's names: a recipient is matched to a member by its exact name.
        address_book.register("exchange", directory_names)
