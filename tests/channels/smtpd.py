"""A real SMTP server for the tests (aiosmtpd) on a free local port, with TLS and AUTH.

The server's certificate is issued by a CA made here (cryptography), so the client checks it the way
it checks an agency's private CA (Mailbox.ca_certificate). `mode` is "ssl" (TLS from the first byte)
or "starttls" (STARTTLS required before AUTH). Received messages are kept whole and parsed back with
the email package; `rcpt_answer` set to "451 …" or "550 …" makes the server refuse recipients.

    with serving(tmp_path) as server: ... # or the smtp_server fixture; implicit TLS
    smtp_server.start("starttls")         # or restart in the other mode
"""

import datetime as dt
import email
import email.policy
import ipaddress
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

USER = "dabir-out"
PASSWORD = "گذرواژه-آزمون-۱۲۳"  # Persian on purpose: AUTH carries UTF-8


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    login: str

    @property
    def message(self) -> email.message.EmailMessage:
        return email.message_from_bytes(self.raw, policy=email.policy.default)


def _name(text: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, text)])


def make_certificates(folder: Path) -> tuple[str, Path, Path]:
    """(CA PEM, server certificate file, server key file): a CA and a server certificate for 127.0.0.1."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(_name("Dabir test CA")).issuer_name(_name("Dabir test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(_name("localhost")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_file, key_file


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpServer:
    folder: Path
    received: list[Received] = field(default_factory=list)
    rcpt_answer: str | None = None  # e.g. "451 4.3.0 Try again later" or "550 5.1.1 No such user"
    port: int = 0
    mode: str = ""

    def __post_init__(self):
        self.ca_pem, cert, key = make_certificates(self.folder)
        self._tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self._tls.load_cert_chain(cert, key)
        self._controller = None

    # aiosmtpd's handler hooks
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        auth = session.auth_data
        login = auth.login.decode() if isinstance(auth, LoginPassword) else ""
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content
                                                                                      or envelope.content), login))
        return "250 Message accepted for delivery"

    def _authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER
              and auth_data.password.decode() == PASSWORD)
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    def start(self, mode: str = "ssl") -> "SmtpServer":
        self.stop()
        self.mode, self.port = mode, free_port()
        common = dict(hostname="127.0.0.1", port=self.port, authenticator=self._authenticate, auth_required=True,
                      decode_data=False)
        if mode == "ssl":
            self._controller = Controller(self, ssl_context=self._tls, auth_require_tls=False, **common)
        else:
            self._controller = Controller(self, tls_context=self._tls, require_starttls=True, auth_require_tls=True,
                                          **common)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@contextmanager
def serving(tmp_path: Path, mode: str = "ssl"):
    folder = tmp_path / "smtpd"
    folder.mkdir(exist_ok=True)
    server = SmtpServer(folder).start(mode)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def smtp_server(tmp_path):
    with serving(tmp_path) as server:
        yield server
