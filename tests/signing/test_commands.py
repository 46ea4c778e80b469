"""The `dabir signing-ca`, `signing-cert` and `verify-pdf` commands, run through the real `dabir` entry point."""

import io
import os
import stat
from contextlib import redirect_stdout

import pytest
from cryptography import x509
from django.core.management import call_command
from django.core.management.base import CommandError

from dabir.cli import main as dabir
from dabir.core.models import AuditEntry
from dabir.letters import services as letters
from dabir.signing import keys, services
from dabir.signing.models import Authority, Certificate
from tests.factories import make_draft

# Transactional: the `dabir` entry point closes database connections when a command ends, as it
# should in a shell; a test wrapped in one transaction would lose its connection.
pytestmark = pytest.mark.django_db(transaction=True)


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def cli(*args) -> tuple[int, str]:
    """`dabir <args>` as a shell would run it: (exit status, stdout)."""
    out = io.StringIO()
    with redirect_stdout(out):
        try:
            dabir(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code or 0
    return code, out.getvalue()


def test_ca_create_import_list_and_retire(world, tmp_path):
    code, out = cli("signing-ca", "create", world.agency.code, "--name", "مرجع آزمون")
    assert code == 0, out
    assert "-----BEGIN CERTIFICATE-----" in out and "PRIVATE KEY" not in out
    authority = Authority.objects.get(agency=world.agency)
    assert authority.name == "مرجع آزمون" and authority.private_key_pem.startswith("-----BEGIN ENCRYPTED")
    assert AuditEntry.objects.filter(action="signing.create_authority").exists()
    # a second one is refused with a Persian message and exit status 1
    code, _ = cli("signing-ca", "create", world.agency.code)
    assert code == 1
    with pytest.raises(CommandError, match="مرجع صدور گواهی فعال"):
        run("signing_ca", "create", world.agency.code)
    with pytest.raises(CommandError, match="پیدا نشد"):
        run("signing_ca", "create", "NOPE")

    root, _ = keys.build_ca(agency_name="دولت", common_name="مرجع ملی")
    pem = tmp_path / "root.pem"
    pem.write_text(keys.certificate_pem(root))
    assert "trusted authority" in run("signing_ca", "import", world.agency.code, str(pem))
    listing = run("signing_ca", "list", world.agency.code)
    assert listing.count(world.agency.code) == 2 and "external" in listing

    run("signing_ca", "retire", world.agency.code)
    assert keys.authority_for(world.agency) is None
    run("signing_ca", "create", world.agency.code, "--key-type", "ec")
    assert keys.authority_for(world.agency) is not None


def test_cert_issue_list_and_revoke(world):
    run("signing_ca", "create", world.agency.code)
    code, out = cli("signing-cert", "issue", world.manager_pos.code, "--days", "90")
    assert code == 0, out
    cert = Certificate.objects.get(position=world.manager_pos)
    assert cert.serial in out and "PRIVATE KEY" not in out
    assert 89 <= (cert.not_after - cert.not_before).days <= 90
    listing = run("signing_cert", "list", "--agency", world.agency.code)
    assert cert.serial in listing and "valid" in listing

    out = run("signing_cert", "revoke", cert.serial.upper(), "--reason", "key_compromise", "--note", "دزدیده شد")
    assert "revoked" in out
    cert.refresh_from_db()
    assert cert.revoked_at is not None and cert.revocation_reason == "key_compromise"
    assert "revoked" in run("signing_cert", "list", "--position", world.manager_pos.code)
    with pytest.raises(CommandError, match="پیش‌تر ابطال"):
        run("signing_cert", "revoke", cert.serial, "--reason", "superseded")
    with pytest.raises(CommandError, match="پیدا نشد"):
        run("signing_cert", "revoke", "abc123", "--reason", "superseded")
    code, _ = cli("signing-cert", "revoke", cert.serial, "--reason", "because")  # argparse refuses
    assert code == 2
    # the CRL now names it
    crl = x509.load_der_x509_crl(services.crl_der(world.agency))
    assert crl.get_revoked_certificate_by_serial_number(int(cert.serial, 16)) is not None


def test_cert_issue_without_ca_or_unknown_position(world):
    with pytest.raises(CommandError, match="مرجع صدور"):
        run("signing_cert", "issue", world.manager_pos.code)
    with pytest.raises(CommandError, match="پیدا نشد"):
        run("signing_cert", "issue", "NO-SUCH")


def test_cert_import_from_files(world, tmp_path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    root, root_key = keys.build_ca(agency_name="دولت", common_name="مرجع ملی")
    (tmp_path / "root.pem").write_text(keys.certificate_pem(root))
    run("signing_ca", "import", world.agency.code, str(tmp_path / "root.pem"))
    cert, key = keys.build_position_certificate(ca_cert=root, ca_key=root_key, common_name="مدیرکل",
                                                agency_name="استانداری")
    p12 = tmp_path / "m.p12"
    p12.write_bytes(pkcs12.serialize_key_and_certificates(b"m", key, cert, [root],
                                                          serialization.BestAvailableEncryption(b"pw")))
    os.chmod(p12, stat.S_IRUSR | stat.S_IWUSR)
    out = run("signing_cert", "import", world.manager_pos.code, str(p12), "--password", "pw")
    assert "key yes" in out
    with pytest.raises(CommandError):
        run("signing_cert", "import", world.manager_pos.code, str(tmp_path / "missing.p12"))


def _signed_letter_pdf(world):
    from dabir.signing import pdf

    services.create_authority(agency=world.agency)
    services.issue_certificate(position=world.manager_pos)
    letter = make_draft(world)
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    signature = services.sign(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    return pdf.letter_pdf(signature.version), signature.version


def test_verify_pdf(world, tmp_path):
    content, version = _signed_letter_pdf(world)
    good = tmp_path / "letter.pdf"
    good.write_bytes(content)
    code, out = cli("verify-pdf", str(good))
    assert code == 0, out
    assert "VALID" in out and version.code in out

    altered = bytearray(content)
    spot = content.index(b"/Contents") - 40  # a byte inside the signed range, outside the signature
    altered[spot] ^= 0x01
    bad = tmp_path / "altered.pdf"
    bad.write_bytes(bytes(altered))
    with pytest.raises(CommandError, match="نامعتبر"):
        run("verify_pdf", str(bad))

    not_pdf = tmp_path / "note.txt"
    not_pdf.write_text("سلام")
    with pytest.raises(CommandError):
        run("verify_pdf", str(not_pdf))
    with pytest.raises(CommandError, match="خوانده نشد"):
        run("verify_pdf", str(tmp_path / "missing.pdf"))
