"""The address book's pages and API through real HTTP (Django's test client): keepers add, edit, deactivate,
import and export; other staff read without edit buttons; another agency's staff see nothing; the API
answers within the caller's books; the compose and incoming forms suggest the names."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from dabir.channels.models import Correspondent
from dabir.channels.services import contacts

from ..factories import make_world

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def book(world):
    contacts.save_correspondent(user=world.clerk, agency=world.agency, name="شرکت کیمیا", kind="company",
                                email="info@kimia.ir", fax="02155556666")
    contacts.save_correspondent(user=world.clerk, agency=world.agency, name="علی رضایی", kind="person",
                                postal_address="اهواز", postal_code="6133654311")
    return world


def test_a_clerk_adds_a_correspondent_and_a_bad_form_keeps_what_was_typed(world):
    c = client_for(world.clerk)
    url = reverse("channels:contact_new")
    bad = c.post(url, {"name": "اداره راه", "kind": "organisation", "email": "bad", "fax": "۰۲۱۸۸۸۸۷۷۷۷"})
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "نشانی ایمیل درست نیست" in html and "اداره راه" in html and "۰۲۱۸۸۸۸۷۷۷۷" in html
    ok = c.post(url, {"name": "اداره راه", "kind": "organisation", "email": "road@x.ir", "fax": "۰۲۱۸۸۸۸۷۷۷۷"})
    assert ok.status_code == 302
    saved = Correspondent.objects.get(name="اداره راه")
    assert saved.fax == "02188887777" and saved.active
    assert "اداره راه" in c.get(reverse("channels:contacts")).content.decode()


def test_search_by_arabic_letters_email_and_fax_digits_and_kind(book):
    c = client_for(book.clerk)
    url = reverse("channels:contacts")
    page = c.get(url, {"q": "كيميا"}).content.decode()
    assert "شرکت کیمیا" in page and "علی رضایی" not in page
    assert "شرکت کیمیا" in c.get(url, {"q": "KIMIA.ir"}).content.decode()
    assert "شرکت کیمیا" in c.get(url, {"q": "۵۵۵۶۶"}).content.decode()
    page = c.get(url, {"kind": "person"}).content.decode()
    assert "علی رضایی" in page and "شرکت کیمیا" not in page


def test_staff_read_without_edit_buttons_and_cannot_post(book):
    c = client_for(book.expert)
    page = c.get(reverse("channels:contacts")).content.decode()
    assert "شرکت کیمیا" in page and "ویرایش" not in page and "طرف مکاتبه تازه" not in page
    row = Correspondent.objects.get(name="شرکت کیمیا")
    assert c.post(reverse("channels:contact_edit", args=[row.id]), {"name": "x", "kind": "company"}).status_code == 403
    assert c.post(reverse("channels:contact_deactivate", args=[row.id])).status_code == 403
    assert c.get(reverse("channels:contact_new")).status_code == 403
    row.refresh_from_db()
    assert row.active and row.name == "شرکت کیمیا"


def test_another_agency_sees_nothing(book):
    other = make_world("دستگاه دیگر")
    c = client_for(other.clerk)
    page = c.get(reverse("channels:contacts")).content.decode()
    assert "شرکت کیمیا" not in page
    row = Correspondent.objects.get(name="شرکت کیمیا")
    assert c.get(reverse("channels:contact_edit", args=[row.id])).status_code == 404
    assert c.post(reverse("channels:contact_deactivate", args=[row.id])).status_code == 404
    assert "کیمیا" not in c.get(reverse("channels:contact_export", args=["csv"])).content.decode("utf-8-sig")
    assert client_for(other.clerk).get("/api/channels/correspondents").json()["total"] == 0


def test_edit_and_deactivate(book):
    c = client_for(book.clerk)
    row = Correspondent.objects.get(name="شرکت کیمیا")
    form = c.get(reverse("channels:contact_edit", args=[row.id])).content.decode()
    assert "info@kimia.ir" in form
    r = c.post(reverse("channels:contact_edit", args=[row.id]),
               {"name": "شرکت کیمیا", "kind": "company", "email": "new@kimia.ir", "active": "on"})
    assert r.status_code == 302
    row.refresh_from_db()
    assert row.email == "new@kimia.ir" and row.fax == ""
    assert c.post(reverse("channels:contact_deactivate", args=[row.id]), follow=True).status_code == 200
    row.refresh_from_db()
    assert not row.active
    assert "شرکت کیمیا" not in c.get(reverse("channels:contacts")).content.decode()
    assert "شرکت کیمیا" in c.get(reverse("channels:contacts"), {"inactive": "on"}).content.decode()


def test_import_page_reports_rows_and_export_round_trips(book):
    c = client_for(book.clerk)
    exported = c.get(reverse("channels:contact_export", args=["csv"]))
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    text = exported.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("نام,نوع,ایمیل")
    upload = io.BytesIO((text + "شرکت تازه,شرکت یا مؤسسه,bad-mail,,,,,,,\n").encode("utf-8-sig"))
    upload.name = "book.csv"
    r = c.post(reverse("channels:contact_import"), {"file": upload})
    html = r.content.decode()
    assert r.status_code == 400 and "۲ ویرایش" in html and "سطر ۴، ستون «ایمیل»" in html
    assert Correspondent.objects.count() == 2
    xlsx = c.get(reverse("channels:contact_export", args=["xlsx"]))
    ws = load_workbook(io.BytesIO(xlsx.content)).active
    assert ws["A1"].value == "نام" and {ws["A2"].value, ws["A3"].value} == {"شرکت کیمیا", "علی رضایی"}
    assert c.get("/channels/contacts/export.exe").status_code == 404


def test_api_is_scoped_and_searches(book):
    c = client_for(book.expert)
    data = c.get("/api/channels/correspondents", {"q": "كيميا"}).json()
    assert data["total"] == 1
    item = data["items"][0]
    assert item["name"] == "شرکت کیمیا" and item["channel"] == "email" and item["kind"] == "company"
    assert c.get("/api/channels/correspondents", {"kind": "person"}).json()["items"][0]["channel"] == "post"
    bad = c.get("/api/channels/correspondents", {"limit": "0"})
    assert bad.status_code == 422 and bad["Content-Type"].startswith("application/problem+json")
    assert Client().get("/api/channels/correspondents").status_code == 401


def test_compose_and_incoming_forms_suggest_the_agencys_names_only(book):
    other = make_world("دستگاه دیگر")
    contacts.save_correspondent(user=other.clerk, agency=other.agency, name="شرکت بیگانه")
    clerk = client_for(book.clerk)
    incoming = clerk.get(reverse("register_incoming")).content.decode()
    assert 'list="sender-names"' in incoming and "شرکت کیمیا" in incoming and "شرکت بیگانه" not in incoming
    compose = client_for(book.expert).get(reverse("compose")).content.decode()
    assert '<option value="شرکت کیمیا">' in compose and "شرکت بیگانه" not in compose
