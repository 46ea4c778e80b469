"""The address book's services: who keeps it, Persian validation of every field, duplicates, deactivation,
the channel a correspondent is reached by, and the CSV import (Persian or English header, BOM or not,
per-row errors, nothing half-saved)."""

import pytest

from dabir.channels import addressing
from dabir.channels.models import Correspondent
from dabir.channels.names import AuditAction
from dabir.channels.services import contacts
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.models import AuditEntry
from dabir.exchange.models import Member

from ..factories import make_world

pytestmark = pytest.mark.django_db


def save(world, user=None, **fields):
    fields.setdefault("name", "شرکت نفت جنوب")
    return contacts.save_correspondent(user=user or world.clerk, agency=world.agency, **fields)


def test_a_clerk_saves_a_correspondent_with_persian_digits_stored_latin(world):
    c = save(world, kind="company", email=" Info@Naft.ir ", fax="۰۶۱-۳۳۳۳ ۴۴۵۵", phone="٠٢١٨٨٨٨٧٧٧٧",
             postal_code="۶۱۳۳۶-۵۴۳۱۱", postal_address="اهواز، کیانپارس")
    assert (c.email, c.fax, c.phone, c.postal_code) == ("Info@Naft.ir", "06133334455", "02188887777", "6133654311")
    assert c.search_name == addressing.search_name("شرکت نفت جنوب")
    entry = AuditEntry.objects.get(action=AuditAction.CONTACT_SAVE)
    assert entry.data["new"] is True and entry.actor_id == world.clerk.id


@pytest.mark.parametrize("fields, field, words", [
    ({"name": "  "}, "name", "نام"),
    ({"email": "not-an-email"}, "email", "ایمیل"),
    ({"fax": "۰۶۱ abc"}, "fax", "رقم"),
    ({"phone": "12"}, "phone", "۵ تا ۱۵"),
    ({"postal_code": "۱۲۳"}, "postal_code", "۱۰ رقم"),
    ({"exchange_code": "NOPE-1"}, "exchange_code", "شبکه تبادل"),
    ({"prefer": "email"}, "prefer", "ایمیل"),
    ({"kind": "alien"}, "kind", "نوع"),
    ({"name": "x" * 301}, "name", "۳۰۰"),
])
def test_bad_input_is_a_persian_error_on_its_field_and_saves_nothing(world, fields, field, words):
    with pytest.raises(DomainError) as exc:
        save(world, **fields)
    assert exc.value.field == field and words in exc.value.message
    assert not Correspondent.objects.exists() and not AuditEntry.objects.filter(action=AuditAction.CONTACT_SAVE).exists()


def test_exchange_code_must_be_a_directory_member(world):
    Member.objects.create(code="ORG-77", name="اداره کل راه")
    assert save(world, exchange_code="ORG-77").exchange_code == "ORG-77"


def test_the_same_name_with_arabic_letters_is_a_duplicate(world):
    save(world, name="شرکت کیمیا")
    with pytest.raises(DomainError) as exc:
        save(world, name="شركت  كيميا")  # Arabic ك/ي and a double space
    assert exc.value.field == "name"
    # Another agency's book may hold the same name.
    other = make_world("دستگاه دیگر")
    contacts.save_correspondent(user=other.clerk, agency=other.agency, name="شرکت کیمیا")


def test_edit_keeps_the_row_and_records_what_changed(world):
    c = save(world)
    edited = contacts.save_correspondent(user=world.clerk, agency=world.agency, correspondent=c,
                                         name="شرکت نفت جنوب", email="a@b.ir", fax="", phone="")
    assert edited.pk == c.pk and c.email == "a@b.ir"
    entry = AuditEntry.objects.filter(action=AuditAction.CONTACT_SAVE).order_by("-id").first()
    assert entry.data["changed"] == ["email"]


def test_only_keepers_write_and_not_in_another_agency(world):
    for user in (world.expert, world.manager):
        with pytest.raises(NotAllowed):
            save(world, user=user)
    other = make_world("دستگاه دیگر")
    with pytest.raises(NotAllowed):
        save(world, user=other.clerk)
    c = save(world)
    with pytest.raises(DomainError):  # a row of one book is not edited through another
        contacts.save_correspondent(user=other.clerk, agency=other.agency, correspondent=c, name="x")
    with pytest.raises(NotAllowed):
        contacts.deactivate(user=world.expert, correspondent=c)


def test_deactivate_hides_it_from_lookups_and_a_new_twin_is_told(world):
    c = save(world)
    contacts.deactivate(user=world.clerk, correspondent=c)
    contacts.deactivate(user=world.clerk, correspondent=c)  # twice: one audit entry
    assert c.active is False
    assert AuditEntry.objects.filter(action=AuditAction.CONTACT_REMOVE).count() == 1
    assert addressing.find(world.agency.id, [c.name]) == {}
    with pytest.raises(DomainError) as exc:
        save(world)
    assert "غیرفعال" in exc.value.message


@pytest.mark.parametrize("fields, channel", [
    ({}, "post"),
    ({"fax": "02155556666"}, "fax"),
    ({"fax": "02155556666", "email": "x@y.ir"}, "email"),
    ({"fax": "02155556666", "email": "x@y.ir", "exchange_code": "M1"}, "network"),
    ({"email": "x@y.ir", "exchange_code": "M1", "prefer": "post", "postal_address": "تهران"}, "post"),
])
def test_channel_for_prefers_then_network_email_fax_post(world, fields, channel):
    Member.objects.get_or_create(code="M1", defaults={"name": "عضو یک"})
    assert contacts.channel_for(save(world, **fields)) == channel


def csv_bytes(text: str, bom: bool = True) -> bytes:
    return ("\ufeff" if bom else "").encode() + text.encode("utf-8")


def test_import_with_persian_header_saves_good_rows_and_reports_bad_ones(world):
    save(world, name="شهرداری اهواز", email="old@ahvaz.ir", phone="06111112222")
    content = csv_bytes(
        "نام,نوع,ایمیل,نمابر,کد پستی\n"
        "شرکت فولاد,شرکت یا مؤسسه,steel@f.ir,۰۶۱۳۲۲۲۱۱۱۱,\n"
        "شركت بد,company,not-mail,,\n"          # bad e-mail: this row alone is skipped
        ",person,a@b.ir,,\n"                      # no name
        "\n"
        "شهرداری اهواز,organisation,new@ahvaz.ir,,\n"  # already in the book: edited, phone kept
        "علی رضایی,شخص,,,123\n"
    )
    result = contacts.import_csv(user=world.clerk, agency=world.agency, content=content)
    assert (result.created, result.updated) == (1, 1)
    lines = [n for n, _ in result.errors]
    assert lines == [3, 4, 7]
    assert "سطر ۳، ستون «ایمیل»" in result.errors[0][1] and "ستون «نام»" in result.errors[1][1]
    assert "کد پستی" in result.errors[2][1]
    steel = Correspondent.objects.get(name="شرکت فولاد")
    assert steel.kind == "company" and steel.fax == "06132221111"
    ahvaz = Correspondent.objects.get(name="شهرداری اهواز")
    assert ahvaz.email == "new@ahvaz.ir" and ahvaz.phone == "06111112222"
    assert not Correspondent.objects.filter(name__in=["شركت بد", "علی رضایی"]).exists()


def test_import_english_header_without_bom_and_the_exports_own_labels(world):
    result = contacts.import_csv(user=world.clerk, agency=world.agency, content=csv_bytes(
        "Name,Email,Prefer\nاداره ثبت,reg@x.ir,ایمیل\n", bom=False))
    assert (result.created, result.errors) == (1, [])
    assert Correspondent.objects.get().prefer == "email"


@pytest.mark.parametrize("content, words", [
    (b"", "خالی"),
    ("نام\n".encode("utf-16"), "UTF-8"),
    (csv_bytes("email\na@b.ir\n"), "«نام»"),
])
def test_import_refuses_a_file_it_cannot_read(world, content, words):
    with pytest.raises(DomainError) as exc:
        contacts.import_csv(user=world.clerk, agency=world.agency, content=content)
    assert words in exc.value.message and exc.value.field == "file"


def test_import_needs_a_keeper(world):
    with pytest.raises(NotAllowed):
        contacts.import_csv(user=world.expert, agency=world.agency, content=csv_bytes("name\nx\n"))
