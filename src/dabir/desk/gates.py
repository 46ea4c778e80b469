"""Checks that a higher app adds to desk submissions, registered at start (the desk may not import it).

The counter offices (dabir.counters) register the counter gate: a submission on the counter channel by
an operator, from any path (the counter desk, the API, Open311), is refused unless the operator is bound
to an office whose licence is active and to which the service is offered. The gate returns how the
timeline names the office.
"""

from collections.abc import Callable

_counter_gate: Callable | None = None


def register_counter_gate(gate: Callable) -> None:
    """`gate(operator=, service=)` raises a DomainError to refuse, or returns the office's name for the timeline."""
    global _counter_gate
    _counter_gate = gate


def check_counter(*, operator, service) -> str:
    return _counter_gate(operator=operator, service=service) if _counter_gate is not None else ""
