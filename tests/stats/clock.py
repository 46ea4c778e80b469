"""freezegun for the supervision tests, made safe for the tests that run after them in the same process.

cryptography's Rust side keeps the first `datetime` type it meets: met under a frozen clock it would be
freezegun's FakeDatetime, and every certificate built later with a real clock would be refused
("'datetime' object is not an instance of 'FakeDatetime'"). So a certificate is built here, at import,
before any clock is frozen; the libraries that sign and render are imported now too, not first inside
a frozen block."""

import datetime as dt

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from freezegun import freeze_time

import dabir.signing.pades  # noqa: F401  (pyHanko)
import dabir.signing.pdf  # noqa: F401  (WeasyPrint)


def _meet_the_real_datetime() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([])
    now = dt.datetime.now(dt.UTC)
    (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
     .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=1)).sign(key, hashes.SHA256()))


_meet_the_real_datetime()

__all__ = ["freeze_time"]
