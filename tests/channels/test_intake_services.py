"""Registering or discarding what came into the intake queue (channels.services.intake), on the real
database: the letter, its number, channel, files and first referral; refusals in Persian; one decision."""

import hashlib

import pytest
from django.core.files.base import ContentFile

from dabir.channels.models import IntakeFile, IntakeItem, Mailbox
from dabir.channels.names import AuditAction
from dabir.channels.services import intake
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.models import AuditEntry
from dabir.core.text import to_latin_digits
from dabir.letters.models import Channel, Letter, Referral
from dabir.letters.services import ReferralSpec
from dabir.orgs.models import NumberSeries, Secretariat
from tests.factories import EXE_BYTES, PDF_BYTES, make_jpeg, make_pdf, make_world

pytestmark = pytest.mark.django_db


def make_item(world, *, kind=IntakeItem.Kind.EMAIL, subject="درخواست همکاری در طرح آبرسانی روستاها",
              files=(("نامه.pdf", PDF_BYTES),), text="با سلام\nلطفاً بررسی فرمایید.\n\nبا سپاس", **extra) -> IntakeItem:
    """An item as the mailbox poll leaves it: a row and its files in Django's storage."""
    mailbox = Mailbox.objects.filter(secretariat=world.secretariat).first() or Mailbox.objects.create(
        secretariat=world.secretariat, name="صندوق دبیرخانه", address=f"dabir{world.agency.pk}@example.ir")
    fields = dict(sender_name="شرکت آب منطقه‌ای", sender_address="info@water.example.ir")
    if kind == IntakeItem.Kind.FAX:
        fields = dict(sender_name="", sender_address="fax@faxserver.example.ir", calling_number="02188776655")
    fields.update(extra)
    item = IntakeItem.objects.create(mailbox=mailbox, secretariat=world.secretariat, kind=kind, subject=subject,
                                     text=text, **fields)
    for order, (name, content) in enumerate(files):
        digest = hashlib.sha256(content).hexdigest()
        row = IntakeFile(item=item, name=name, content_type="application/pdf" if name.endswith(".pdf") else
                         "application/octet-stream", size=len(content), sha256=digest, order=order)
        row.file.save(name, ContentFile(content), save=False)
        row.save()
    return item


def refer(world):
    return [ReferralSpec(position_id=world.expert_pos.id, note="بررسی و اقدام")]


def register(world, item, **kwargs):
    args = dict(user=world.clerk, item=item, secretariat=world.secretariat, subject=item.subject,
                sender_name="شرکت آب منطقه‌ای", refer_to=refer(world), seat=world.seat(world.clerk_pos))
    args.update(kwargs)
    return intake.register_item(**args)


def test_an_email_becomes_a_numbered_incoming_letter_with_its_files_and_first_referral(world):
    item = make_item(world, files=[("نامه.pdf", PDF_BYTES), ("نقشه.jpg", make_jpeg())])
    letter = register(world, item, keywords="آبرسانی", sender_number="۱۲۳/الف")
    item.refresh_from_db()
    assert letter.number and letter.kind == "incoming" and letter.channel == Channel.EMAIL
    assert letter.secretariat == world.secretariat and letter.received_at == item.received_at
    assert to_latin_digits(letter.sender_number) == "123/الف"
    assert "<p>با سلام<br>لطفاً بررسی فرمایید.</p><p>با سپاس</p>" == letter.body
    assert sorted(a.name for a in letter.attachments.all()) == ["نامه.pdf", "نقشه.jpg"]
    assert not any(a.is_scan for a in letter.attachments.all())
    ref = Referral.objects.get(letter=letter)
    assert ref.to_position == world.expert_pos and ref.note == "بررسی و اقدام"
    assert (item.state, item.letter, item.decided_by) == (IntakeItem.State.REGISTERED, letter, world.clerk)
    entry = AuditEntry.objects.get(action=AuditAction.INTAKE_REGISTER)
    assert entry.object_id == str(item.pk) and entry.data["number"] == letter.number


def test_a_fax_is_registered_with_the_fax_channel_and_its_pages_as_scans(world):
    item = make_item(world, kind=IntakeItem.Kind.FAX, subject="نمابر از ۰۲۱۸۸۷۷۶۶۵۵", text="",
                     files=[("fax.pdf", make_pdf(pages=2, title="fax"))])
    letter = register(world, item, sender_name="02188776655")
    assert letter.channel == Channel.FAX and letter.body == ""
    assert [a.is_scan for a in letter.attachments.all()] == [True]


def test_only_the_chosen_files_are_attached(world):
    item = make_item(world, files=[("نامه.pdf", PDF_BYTES), ("لوگو.jpg", make_jpeg())])
    pdf = item.files.get(name="نامه.pdf")
    letter = register(world, item, files=[pdf.pk])
    assert [a.name for a in letter.attachments.all()] == ["نامه.pdf"]
    other = make_item(world)
    with pytest.raises(DomainError) as refused:
        register(world, other, files=[pdf.pk])  # a file of another item
    assert refused.value.field == "files"


def test_a_refused_file_is_named_and_nothing_is_registered(world):
    item = make_item(world, files=[("نامه.pdf", PDF_BYTES), ("setup.exe", EXE_BYTES)])
    with pytest.raises(DomainError) as refused:
        register(world, item)
    assert refused.value.field == "files" and "«setup.exe»" in refused.value.message
    assert "تیک" in refused.value.message
    item.refresh_from_db()
    assert item.state == IntakeItem.State.PENDING and item.letter is None
    assert not Letter.objects.filter(agency=world.agency).exists()  # no number was taken either
    # unticked, the rest registers
    letter = register(world, item, files=[item.files.get(name="نامه.pdf").pk])
    assert [a.name for a in letter.attachments.all()] == ["نامه.pdf"]


def test_a_broken_pdf_is_refused_by_name(world):
    item = make_item(world, files=[("گزارش.pdf", PDF_BYTES[: len(PDF_BYTES) // 2])])
    with pytest.raises(DomainError) as refused:
        register(world, item)
    assert refused.value.field == "files" and "«گزارش.pdf»" in refused.value.message


def test_an_item_is_decided_once(world):
    item = make_item(world)
    register(world, item)
    with pytest.raises(Conflict) as again:
        register(world, item)
    assert "پیش‌تر تصمیم" in again.value.message
    with pytest.raises(Conflict):
        intake.discard_item(user=world.clerk, item=item, reason="spam")
    assert IntakeItem.objects.get(pk=item.pk).letter.number


def test_discard_with_a_reason_and_a_note_for_other(world):
    item = make_item(world)
    with pytest.raises(DomainError) as no_reason:
        intake.discard_item(user=world.clerk, item=item, reason="")
    assert no_reason.value.field == "reason"
    with pytest.raises(DomainError) as no_note:
        intake.discard_item(user=world.clerk, item=item, reason="other", note="   ")
    assert no_note.value.field == "note"
    done = intake.discard_item(user=world.clerk, item=item, reason="other", note="پیام آزمایشی سامانه")
    assert done.state == IntakeItem.State.DISCARDED and done.reason == "علت دیگر: پیام آزمایشی سامانه"
    assert AuditEntry.objects.get(action=AuditAction.INTAKE_DISCARD).data["reason"] == "other"
    with pytest.raises(Conflict):
        register(world, item)


def test_only_the_mailbox_secretariat_decides(world):
    item = make_item(world)
    stranger = make_world("اداره کل راه")
    with pytest.raises(NotAllowed):
        intake.register_item(user=stranger.clerk, item=item, secretariat=stranger.secretariat, subject="x",
                             sender_name="y", refer_to=[ReferralSpec(position_id=stranger.expert_pos.id)])
    with pytest.raises(NotAllowed):
        intake.discard_item(user=stranger.clerk, item=item, reason="spam")
    with pytest.raises(NotAllowed):  # a staff member of the agency who is no clerk
        intake.discard_item(user=world.expert, item=item, reason="spam")
    # a clerk of both may not register this agency's mail in the other agency's secretariat
    stranger.secretariat.clerks.add(world.clerk)
    with pytest.raises(DomainError) as wrong:
        register(world, item, secretariat=stranger.secretariat, seat=None)
    assert wrong.value.field == "secretariat"
    assert IntakeItem.objects.get(pk=item.pk).state == IntakeItem.State.PENDING


def test_a_second_secretariat_of_the_agency_may_register_it(world):
    item = make_item(world)
    second = Secretariat.objects.create(agency=world.agency, name="دبیرخانه معاونت", code="DV")
    second.clerks.add(world.clerk)
    NumberSeries.objects.create(secretariat=second, name="وارده", code="و", kinds=["incoming"])
    letter = register(world, item, secretariat=second)
    assert letter.secretariat == second


def test_bad_inputs_are_refused_in_persian(world):
    item = make_item(world)
    with pytest.raises(DomainError) as no_referral:
        register(world, item, refer_to=[])
    assert no_referral.value.field == "refer_to"
    with pytest.raises(DomainError) as no_subject:
        register(world, item, subject="  ")
    assert no_subject.value.field == "subject" and "موضوع" in no_subject.value.message
    with pytest.raises(DomainError) as no_sender:
        register(world, item, sender_name="")
    assert no_sender.value.field == "sender_name"
    with pytest.raises(DomainError) as bad_urgency:
        register(world, item, urgency="yesterday")
    assert bad_urgency.value.field == "urgency"
    assert IntakeItem.objects.get(pk=item.pk).state == IntakeItem.State.PENDING


def test_text_as_body_escapes_markup():
    assert intake.text_as_body("<script>x</script>\r\nline") == "<p>&lt;script&gt;x&lt;/script&gt;<br>line</p>"
    assert intake.text_as_body("") == ""


# ---------------------------------------------------------------- messages as the mailbox poll stores them


def stored(world, raw: bytes, **mailbox_fields) -> IntakeItem:
    from dabir.channels.services.receiving import store_message

    mailbox = Mailbox.objects.create(secretariat=world.secretariat, name="صندوق", address="in@agency.example.ir",
                                     **mailbox_fields)
    item, created = store_message(mailbox, raw)
    assert created
    return item


def test_a_persian_encoded_email_registers_as_stored(world):
    from tests.channels.messages import SUBJECT, encoded_subject

    item = stored(world, encoded_subject("utf-8", "B"))
    assert item.subject == SUBJECT
    letter = register(world, item)
    assert letter.subject == SUBJECT and letter.channel == Channel.EMAIL and letter.received_at == item.received_at


def test_a_stored_fax_becomes_a_letter_with_its_pages_as_one_scan(world):
    from pypdf import PdfReader

    from tests.channels.messages import fax

    item = stored(world, fax(), fax_senders="fax@faxserver.example.ir")
    assert item.kind == IntakeItem.Kind.FAX and item.calling_number == "02188776655"
    letter = register(world, item, sender_name=item.calling_number)
    (scan,) = letter.attachments.all()
    assert letter.channel == Channel.FAX and scan.is_scan and scan.content_type == "application/pdf"
    assert len(PdfReader(scan.file.open("rb")).pages) == 3


def test_a_broken_attachment_of_a_real_message_is_named_and_can_be_left_out(world):
    from tests.channels.messages import nested_inline

    item = stored(world, nested_inline())
    names = {f.name: f.pk for f in item.files.all()}
    assert "نامه پیوست.pdf" in names
    with pytest.raises(DomainError) as refused:
        register(world, item)
    # both refused files named at once: the broken PDF and the forwarded message
    message = refused.value.message
    assert refused.value.field == "files" and "«نامه پیوست.pdf»" in message and ".eml»" in message
    assert message.endswith("تیک آن‌ها را بردارید و دوباره ثبت کنید.")
    kept = [pk for name, pk in names.items() if name != "نامه پیوست.pdf" and not name.endswith(".eml")]
    letter = register(world, item, files=kept)
    assert sorted(a.name for a in letter.attachments.all()) == sorted(
        n for n, pk in names.items() if pk in kept)
