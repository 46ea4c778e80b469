import pytest
from django.utils import timezone

from dabir.exchange import services
from dabir.exchange.models import Transfer, TransferState
from dabir.signing import services as signing

from ..factories import make_world


class Pair:
    """Two agencies of this server, both members of the exchange."""

    def __init__(self):
        self.a = make_world("استانداری فرستنده")
        self.b = make_world("شهرداری گیرنده")
        self.ma = services.join_agency(agency=self.a.agency)
        self.mb = services.join_agency(agency=self.b.agency)
        # Joining gives each agency a CA (for its exchange certificate), so its signers need certificates.
        for world in (self.a, self.b):
            signing.issue_certificate(position=world.manager_pos)


@pytest.fixture
def pair(db):
    return Pair()


def drain(limit: int = 50) -> list[str]:
    """Run every due transfer as the worker would, until none is due (retries made due at once)."""
    results = []
    for _ in range(limit):
        due = list(Transfer.objects.filter(state__in=[TransferState.QUEUED, TransferState.SENT])
                   .values_list("pk", flat=True))
        if not due:
            break
        Transfer.objects.filter(pk__in=due).update(next_attempt_at=timezone.now())
        results += [services.attempt(pk) for pk in due]
    return results
