"""Two returns of the same payment at the same moment: one verification counted, one on_paid call."""

import threading
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from dabir.core.models import AuditEntry
from dabir.payments import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_returns_count_once(paid_calls):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file test database (tests/letters/conftest.py sets one for the whole suite)")
    payment, _ = services.start_payment(purpose="test.fee", object_id="9", amount_rials=90_000, payer_mobile="",
                                        callback_url="/payments/return/")
    back = services.testbank_pay(authority=payment.authority, card_number="6037997599199230")
    params = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
    barrier = threading.Barrier(4)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(services.complete_payment(payment_token=payment.token, params=params))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {r.status for r in results} == {"paid"} and len({r.ref_id for r in results}) == 1
    assert len(paid_calls) == 1
    assert AuditEntry.objects.filter(action="payment.paid", object_id=str(payment.pk)).count() == 1
