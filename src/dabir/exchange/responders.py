"""Automatic answers to inquiries, and who hears of an answer: registered when apps start.

A responder answers one inquiry type by itself on this server (the demo's civil registry answers
national-code inquiries so). A listener is told when the answer to an inquiry asked by a record of
a higher app comes back (the desk's inquiry stage): exchange never imports those apps.
"""

from collections.abc import Callable

_responders: dict[str, Callable[[dict], dict]] = {}
_listeners: dict[str, Callable] = {}


def register_responder(name: str, answer: Callable[[dict], dict]) -> None:
    _responders[name] = answer


def responder(name: str) -> Callable[[dict], dict] | None:
    return _responders.get(name) if name else None


def responder_names() -> list[str]:
    return sorted(_responders)


def register_listener(prefix: str, on_answer: Callable) -> None:
    """`on_answer(inquiry)` runs in the transaction that stores an answer to an inquiry whose
    requester starts with `prefix:`."""
    _listeners[prefix] = on_answer


def listener(requester: str) -> Callable | None:
    return _listeners.get(requester.split(":", 1)[0]) if requester else None
