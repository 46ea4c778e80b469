"""A real IMAP server for the tests: Debian's dovecot in a temporary directory, TLS only.

Its own config (no /etc), a free port, a CA and server certificate made here with `cryptography`,
users from a passwd-file, Maildirs under the temporary directory, run in the foreground as the current
user and stopped after. Messages go in by IMAP APPEND, as any client would put them.
"""

import contextlib
import datetime as dt
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

DOVECOT = "/usr/sbin/dovecot"
PASSWORD = "گذرواژه-آزمون-1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_ca(directory: Path) -> tuple[str, Path, Path]:
    """A CA (PEM text) and a server certificate for 127.0.0.1/localhost signed by it (files)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Dabir test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
          .not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                       data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                       crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                        x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    return ca.public_bytes(serialization.Encoding.PEM).decode(), cert_path, key_path


@dataclass
class Dovecot:
    root: Path
    port: int
    ca_pem: str
    users: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    host = "127.0.0.1"

    def client(self, user: str) -> imaplib.IMAP4_SSL:
        context = ssl.create_default_context(cadata=self.ca_pem)
        imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=context, timeout=30)
        password = self.users[user]
        imap.authenticate("PLAIN", lambda _: f"\0{user}\0{password}".encode())
        return imap

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        imap = self.client(user)
        try:
            for raw in messages:
                status, data = imap.append(folder, None, None, raw)
                assert status == "OK", data
        finally:
            imap.logout()

    def flags(self, user: str, folder: str = "INBOX") -> dict[int, str]:
        """UID → the message's flags, as the server holds them."""
        imap = self.client(user)
        try:
            imap.select(folder)
            _, data = imap.uid("FETCH", "1:*", "(FLAGS)")
            out = {}
            for line in data:
                if not line:
                    continue
                text = line.decode()
                uid = int(text.split("UID ")[1].split()[0].rstrip(")"))
                out[uid] = text
            return out
        finally:
            imap.logout()

    def add_user(self, user: str, password: str = PASSWORD) -> None:
        self.users[user] = password
        uid, gid = mail_ids()
        lines = [f"{name}:{{PLAIN}}{pw}:{uid}:{gid}::{self.root / 'mail' / name}::"
                 for name, pw in self.users.items()]
        (self.root / "passwd").write_text("\n".join(lines) + "\n")

    def recreate_folder(self, user: str) -> None:
        """Drop the user's Maildir: the server gives INBOX a new UIDVALIDITY, as after a rebuild."""
        shutil.rmtree(self.root / "mail" / user, ignore_errors=True)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{root}/server.crt
ssl_key = <{root}/server.key
disable_plaintext_auth = yes
auth_mechanisms = plain
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
first_valid_uid = 0
first_valid_gid = 0
mail_uid = {uid}
mail_gid = {gid}
mail_location = maildir:~/Maildir
mail_plugins =
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = {root}/passwd
}}
"""


def mail_ids() -> tuple[int, int]:
    """The user dovecot keeps mail as: the current one, or dovecot's own when the tests run as root."""
    if os.getuid() == 0:
        user = pwd.getpwnam("dovecot")
        return user.pw_uid, user.pw_gid
    return os.getuid(), os.getgid()


def start(root: Path) -> Dovecot:
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # dovecot's own users (when run as root) read the passwd-file and certificates here
    for sub in ("run", "state", "mail"):
        (root / sub).mkdir(exist_ok=True)
    ca_pem, _, _ = make_ca(root)
    port = _free_port()
    uid, gid = mail_ids()
    login, internal, group = pwd.getpwuid(uid).pw_name, pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    if os.getuid() == 0:  # dovecot refuses root for logins and mail: Debian's package made its own users
        login = "dovenull"
        os.chown(root / "mail", uid, gid)
    (root / "dovecot.conf").write_text(CONFIG.format(root=root, login=login, internal=internal,
                                                     group=group, uid=uid, gid=gid, port=port))
    server = Dovecot(root=root, port=port, ca_pem=ca_pem)
    server.add_user("dabir")
    server.process = subprocess.Popen([DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited: {server.process.stderr.read().decode()} {log[-2000:]}")
        with contextlib.suppress(OSError):
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("dovecot did not listen within 15 s")


def require_dovecot() -> None:
    if not os.path.exists(DOVECOT):
        if os.environ.get("CI") == "true":
            pytest.fail("dovecot is missing on CI (package dovecot-imapd): the IMAP tests must run there")
        pytest.skip("Debian's dovecot (/usr/sbin/dovecot, package dovecot-imapd) is not installed")


@pytest.fixture
def dovecot():
    require_dovecot()
    # Not under pytest's tmp_path: its parents are private to the current user, and dovecot's own users
    # (when the tests run as root) must reach the passwd-file and the Maildirs.
    root = Path(tempfile.mkdtemp(prefix="dabir-dovecot-"))
    server = start(root)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def make_mailbox(secretariat, server: Dovecot, user: str = "dabir", **fields):
    """A secretariat's mailbox on this server, trusting its CA, with the user's password encrypted."""
    from dabir.channels import secrets
    from dabir.channels.models import Mailbox

    values = dict(name="صندوق دبیرخانه", address=f"{user}@agency.example.ir", imap_host=server.host,
                  imap_port=server.port, username=user, ca_certificate=server.ca_pem,
                  password_encrypted=secrets.encrypt(server.users.get(user, PASSWORD)),
                  fax_senders="fax@faxserver.example.ir")
    values.update(fields)
    return Mailbox.objects.create(secretariat=secretariat, **values)
