"""The channels part of the demo, loaded by `dabir demo` on a fresh database: the governorate's mailbox
(receiving off, its password-free setup audited), the intake queue of e-mails and faxes, the address book,
today's post dispatch list, sent and failed transmissions, and scans whose Persian text OCR has read."""

import io

import pytest
from django.core.management import call_command

from dabir.channels.models import Correspondent, IntakeItem, Mailbox, PostDispatch, Transmission
from dabir.core.jalali import today
from dabir.demo import channels_data as D
from dabir.letters.models import Attachment, TextStatus
from dabir.letters.search import search_letters

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo", "--letters", "60", stdout=out)
    return out.getvalue()


def test_the_governorates_channels_are_in_the_demo(demo):
    assert "ایمیل، نمابر، پست و نویسه‌خوانی" in demo
    box = Mailbox.objects.get(address=D.MAILBOX["address"])
    assert box.secretariat.agency.code == "khz-ostandari"
    # no poll of a server the demo machine cannot reach; sending names the agency's own server
    assert not box.receives and box.sends and box.smtp_host == D.SERVERS["smtp_host"]

    # the queue: e-mails and faxes waiting, two registered with their letters, one discarded
    items = IntakeItem.objects.filter(mailbox=box)
    assert items.filter(kind="email").count() == len(D.EMAILS)
    faxes = items.filter(kind="fax")
    assert faxes.count() == len(D.FAXES)
    assert {f.calling_number for f in faxes} == {number for number, *_ in D.FAXES}
    assert all(f.files.filter(content_type="application/pdf").exists() for f in faxes)  # TIFF made PDF
    assert items.filter(state="registered", letter__isnull=False).count() == 2
    assert items.filter(state="discarded").count() == 1
    assert items.filter(state="pending").count() == len(D.EMAILS) + len(D.FAXES) - 3
    proposal = items.get(subject__startswith="پیشنهاد همکاری")
    assert proposal.letter.attachments.filter(content_type="application/pdf").exists()
    assert items.get(subject__contains="دعوت به جلسه").files.exists() or items.get(
        subject__contains="دعوت به جلسه").problems  # winmail.dat unpacked or kept with a note

    # the address book
    book = Correspondent.objects.filter(agency=box.secretariat.agency)
    assert book.count() == len(D.CORRESPONDENTS)
    assert book.exclude(exchange_code="").count() >= 3 and book.exclude(fax="").count() >= 5

    # today's post list: post and courier, tracking numbers and costs, one returned, one delivered
    posted = PostDispatch.objects.filter(secretariat=box.secretariat, day=today())
    assert posted.count() == len(D.POST)
    assert posted.filter(method="courier").exists() and posted.exclude(tracking_number="").count() == 3
    assert posted.filter(state="returned", outcome_note=D.RETURN_NOTE).count() == 1
    assert posted.filter(state="delivered").count() == 1

    # e-mail and fax out: delivered to the load's server, one refused with a Persian error
    sent = Transmission.objects.filter(mailbox=box)
    assert sent.filter(state="sent").count() == len(D.MAIL) - 1
    failed = sent.get(state="failed")
    assert failed.to == D.REFUSED and any("\u0600" <= ch <= "\u06ff" for ch in failed.last_error)

    # scans read by OCR: the text is there, and a word of it finds the letter
    for _sender, subject, lines, _desk in D.SCANS:
        scan = Attachment.objects.get(letter__subject=subject)
        assert scan.text_status == TextStatus.DONE
        assert "خوزستان" in scan.text or any(word in scan.text for word in lines[-1].split() if len(word) > 4)
    clerk = box.secretariat.clerks.get(username="dabir")
    # «پایش» is in the scan's text only, not in the letter's subject or sender
    assert search_letters(clerk, q="پایش").filter(subject=D.SCANS[2][1]).exists()
    # «تانکر» too (Tesseract with English beside Persian once read it as «SGU»)
    assert search_letters(clerk, q="تانکر").filter(subject=D.SCANS[1][1]).exists()
