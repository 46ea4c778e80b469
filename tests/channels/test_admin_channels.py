"""The channels in the admin over real HTTP: a mailbox's passwords are write-only (never in the page,
encrypted at rest, decrypted by the system), saved through the service with its audit entry; an agency
admin sees and sets up their agency's mailboxes only; the connection test talks to real servers; the
read-only rows follow channels.policy and letters.policy; every heading is Persian."""

import socket

import pytest
from django.test import Client

from dabir.channels import secrets
from dabir.channels.models import Correspondent, IntakeFile, IntakeItem, Mailbox, PostDispatch, Transmission
from dabir.core.models import AuditEntry
from dabir.orgs.services import make_agency_admin
from tests.core.test_admin_persian import assert_persian_page
from tests.factories import make_registered, make_user, make_world

pytestmark = pytest.mark.django_db

PLAIN = "Kh0zestan-secret!"


def client_of(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def form(world, **overrides) -> dict:
    data = {
        "secretariat": world.secretariat.pk, "name": "صندوق دبیرخانه", "address": "Dabir@Example.IR",
        "display_name": "دبیرخانه", "active": "on", "receives": "on", "imap_host": "mail.example.ir",
        "imap_port": "993", "imap_security": "ssl", "username": "dabir", "password": PLAIN, "folder": "INBOX",
        "smtp_port": "465", "smtp_security": "ssl", "fax_header": "X-Fax-From",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def root():
    return make_user(is_staff=True, is_superuser=True)


def test_password_is_write_only_encrypted_at_rest_and_audited_without_it(world, root):
    c = client_of(root)
    answer = c.post("/admin/channels/mailbox/add/", form(world))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    box = Mailbox.objects.get()
    assert box.address == "dabir@example.ir"
    assert PLAIN not in box.password_encrypted and secrets.decrypt(box.password_encrypted) == PLAIN
    page = c.get(f"/admin/channels/mailbox/{box.pk}/change/").content.decode()
    assert PLAIN not in page and box.password_encrypted not in page
    assert "ذخیره شده (رمزشده)" in page
    entry = AuditEntry.objects.get(action="channels.mailbox.save")
    assert PLAIN not in str(entry.data) and entry.data["password_changed"] is True

    # A blank password keeps the stored one; a new one replaces it.
    stored = box.password_encrypted
    answer = c.post(f"/admin/channels/mailbox/{box.pk}/change/", form(world, password="", name="صندوق اصلی"))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    box.refresh_from_db()
    assert box.password_encrypted == stored and box.name == "صندوق اصلی"
    c.post(f"/admin/channels/mailbox/{box.pk}/change/", form(world, password="another-one", smtp_password="s-pass"))
    box.refresh_from_db()
    assert secrets.decrypt(box.password_encrypted) == "another-one"
    assert secrets.decrypt(box.smtp_password_encrypted) == "s-pass"
    assert AuditEntry.objects.filter(action="channels.mailbox.save").count() == 3


def test_bad_settings_get_a_persian_message_and_nothing_is_saved(world, root):
    c = client_of(root)
    cases = [
        (form(world, password=""), "گذرواژه صندوق لازم است"),
        (form(world, imap_host=""), "کارساز IMAP لازم است"),
        (form(world, sends="on", smtp_host=""), "کارساز SMTP لازم است"),
        (form(world, fax_gateway="fax.example.ir"), "{number}"),
        (form(world, ca_certificate="not a certificate"), "PEM"),
    ]
    for data, message in cases:
        answer = c.post("/admin/channels/mailbox/add/", data)
        assert answer.status_code == 200 and message in answer.content.decode(), message
        assert_persian_page(answer.content.decode(), "mailbox add with an error")
    assert not Mailbox.objects.exists()
    assert c.post("/admin/channels/mailbox/add/", form(world)).status_code == 302
    answer = c.post("/admin/channels/mailbox/add/", form(world, address="dabir@example.ir"))
    assert "همین نشانی" in answer.content.decode() and Mailbox.objects.count() == 1


def test_agency_admin_sees_and_sets_up_only_their_agencys_mailboxes(world, root):
    other = make_world("فرمانداری دیگر")
    ours = Mailbox.objects.create(secretariat=world.secretariat, name="ما", address="a@example.ir")
    theirs = Mailbox.objects.create(secretariat=other.secretariat, name="آنها", address="b@example.ir")
    boss = make_user(is_staff=True)
    make_agency_admin(actor=None, user=boss, agency=world.agency)
    c = client_of(boss)
    listing = c.get("/admin/channels/mailbox/").content.decode()
    assert "a@example.ir" in listing and "b@example.ir" not in listing
    assert c.get(f"/admin/channels/mailbox/{theirs.pk}/change/").status_code in (302, 404)
    # Another agency's secretariat is not among the choices.
    answer = c.post("/admin/channels/mailbox/add/", form(other, address="c@example.ir"))
    assert answer.status_code == 200 and not Mailbox.objects.filter(address="c@example.ir").exists()
    assert c.post("/admin/channels/mailbox/add/", form(world, address="c@example.ir")).status_code == 302
    # A staff member who administers nothing sees no mailbox screen; the clerk neither.
    assert client_of(make_user(is_staff=True)).get("/admin/channels/mailbox/").status_code == 403
    assert client_of(root).get(f"/admin/channels/mailbox/{theirs.pk}/change/").status_code == 200
    assert ours.pk


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_connection_test_reports_in_persian_from_real_servers(world, root):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    def check_password(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"p"
        return AuthResult(success=ok, handled=False)  # a refusal answered «535», as real servers do

    # A real SMTP server asking for a password (over the loopback, without TLS, for the test).
    controller = Controller(Sink(), hostname="127.0.0.1", port=_free_port(), authenticator=check_password,
                            auth_require_tls=False)
    controller.start()
    try:
        box = Mailbox.objects.create(
            secretariat=world.secretariat, name="آزمون", address="t@example.ir", receives=True,
            imap_host="127.0.0.1", imap_port=_free_port(), imap_security="none", username="u",
            password_encrypted=secrets.encrypt("p"), sends=True, smtp_host="127.0.0.1",
            smtp_port=controller.port, smtp_security="none")
        c = client_of(root)
        answer = c.post("/admin/channels/mailbox/", {"action": "test_connection", "_selected_action": [box.pk]},
                        follow=True)
        page = answer.content.decode()
        assert "IMAP: کارساز ایمیل" in page and "اتصال را نپذیرفت" in page
        assert "SMTP: اتصال و ورود درست است" in page
        box.password_encrypted = secrets.encrypt("wrong")
        box.save()
        page = c.post("/admin/channels/mailbox/", {"action": "test_connection", "_selected_action": [box.pk]},
                      follow=True).content.decode()
        assert "SMTP: کارساز ایمیل نام کاربری یا گذرواژه صندوق را نپذیرفت" in page
    finally:
        controller.stop()


@pytest.fixture
def rows(world):
    """One of each channels row, for the clerk of the world's secretariat (made staff to open the admin)."""
    world.clerk.is_staff = True
    world.clerk.save()
    letter = make_registered(world)
    box = Mailbox.objects.create(secretariat=world.secretariat, name="صندوق", address="d@example.ir")
    item = IntakeItem.objects.create(mailbox=box, secretariat=world.secretariat, subject="شکایت از تأخیر",
                                     sender_address="citizen@example.ir", message_id="<x@example.ir>", uid=1,
                                     uidvalidity=7, problems=["پیوست بزرگ کنار گذاشته شد"])
    IntakeFile.objects.create(item=item, name="نامه.pdf", content_type="application/pdf", size=10, sha256="a" * 64,
                              file="intake/aa/x")
    Transmission.objects.create(letter=letter, mailbox=box, kind="email", recipient_name="شرکت نمونه",
                                to="info@example.ir", state="failed", last_error="کارساز گیرنده نپذیرفت",
                                created_by=world.clerk)
    PostDispatch.objects.create(letter=letter, secretariat=world.secretariat, recipient_name="اداره پست",
                                day=letter.registered_at.date(), tracking_number="123456789012", cost=250000,
                                created_by=world.clerk)
    Correspondent.objects.create(agency=world.agency, name="شرکت نمونه", search_name="شرکت نمونه",
                                 email="info@example.ir")
    return letter


def test_read_only_rows_follow_the_policies_and_every_heading_is_persian(world, rows, root):
    clerk = client_of(world.clerk)
    for model in (IntakeItem, Transmission, PostDispatch, Correspondent):
        name = model._meta.model_name
        listing = clerk.get(f"/admin/channels/{name}/")
        assert listing.status_code == 200, name
        assert_persian_page(listing.content.decode(), name)
        obj = model.objects.get()
        page = clerk.get(f"/admin/channels/{name}/{obj.pk}/change/")
        assert page.status_code == 200, name
        assert_persian_page(page.content.decode(), f"{name} change")
    assert "شکایت از تأخیر" in clerk.get("/admin/channels/intakeitem/").content.decode()
    for name in ("intakeitem", "transmission", "postdispatch"):
        assert clerk.get(f"/admin/channels/{name}/add/").status_code == 403

    c = client_of(root)
    for url in ("/admin/", "/admin/channels/", "/admin/channels/mailbox/", "/admin/channels/mailbox/add/",
                f"/admin/channels/mailbox/{Mailbox.objects.get().pk}/change/", "/admin/channels/correspondent/add/"):
        answer = c.get(url)
        assert answer.status_code == 200, url
        assert_persian_page(answer.content.decode(), url)

    # A staff member of another agency sees none of it: no queue item, no letter's row.
    outsider = make_world("دستگاه بیرونی").clerk
    outsider.is_staff = True
    outsider.save()
    o = client_of(outsider)
    for name in ("intakeitem", "transmission", "postdispatch", "correspondent"):
        page = o.get(f"/admin/channels/{name}/").content.decode()
        assert "شکایت از تأخیر" not in page and "شرکت نمونه" not in page and "اداره پست" not in page, name
