"""Agency CA, position certificates, key storage, import of outside certificates, revocation and CRL."""

import pytest

from dabir.signing import keys, services, verify
from tests.factories import make_signed

pytestmark = pytest.mark.django_db


def test_smoke_sign_and_verify(world):
    services.create_authority(agency=world.agency)
    services.issue_certificate(position=world.manager_pos)
    letter = make_signed(world)
    sig = services.sign(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    report = verify.verify_version(sig.version)
    assert report.ok, report.checks
    key, cert, chain = keys.signer_material(sig.certificate)
    assert len(chain) == 1
