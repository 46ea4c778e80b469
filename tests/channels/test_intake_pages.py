"""The intake queue's pages over real HTTP (Django's test client against the real database): who sees
the queue, the prefilled register form, registering and discarding, one decision, Persian refusals
that keep what was typed, and the files served safely."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from dabir.channels.addressing import search_name
from dabir.channels.models import Correspondent, IntakeItem
from dabir.letters.models import Channel, Letter, Referral
from dabir.orgs.models import NumberSeries, Secretariat
from tests.factories import EXE_BYTES, PDF_BYTES, make_user, make_world

from .test_intake_services import make_item

pytestmark = pytest.mark.django_db


def signed_in(client, user):
    client.force_login(user)
    return client


def register_data(world, item, **overrides):
    data = {"register-secretariat": world.secretariat.id, "register-subject": item.subject,
            "register-sender_name": "شرکت آب منطقه‌ای", "register-urgency": "normal",
            "register-classification": "unclassified", "register-files": [f.id for f in item.files.all()],
            "register-refer_position": world.expert_pos.id, "register-refer_action": "action",
            "register-refer_note": "لطفاً پیگیری شود"}
    data.update(overrides)
    return data


def html_text(response) -> str:
    return response.content.decode()


def test_the_queue_lists_the_secretariats_items_with_tabs_and_counts(client, world):
    mail = make_item(world, subject="درخواست همکاری در طرح آبرسانی روستاها")
    fax = make_item(world, kind=IntakeItem.Kind.FAX, subject="نمابر اداره گاز", problems=["پیوست دوم خوانده نشد"])
    done = make_item(world, subject="پیام پیشین")
    done.state = IntakeItem.State.DISCARDED
    done.save()
    signed_in(client, world.clerk)
    page = client.get(reverse("channels:intake"))
    body = html_text(page)
    assert page.status_code == 200
    assert all(s in body for s in (mail.subject, fax.subject, done.subject, "02188776655"))
    assert body.index(fax.subject) < body.index(done.subject)  # waiting ones first
    assert "۱ نکته" in body and "info@water.example.ir" in body
    assert reverse("exchange:arrivals") in body  # the exchange's arrivals, one intake place
    # the navbar counts the two waiting
    assert re.search(r'id="nav-intake".*?>۲</span>', body, re.S)
    emails = html_text(client.get(reverse("channels:intake"), {"kind": "email"}))
    assert mail.subject in emails and fax.subject not in emails
    faxes = html_text(client.get(reverse("channels:intake"), {"kind": "fax", "state": "pending"}))
    assert fax.subject in faxes and mail.subject not in faxes
    pending = html_text(client.get(reverse("channels:intake"), {"state": "pending"}))
    assert done.subject not in pending
    # a bad filter value is ignored, not a 500
    assert client.get(reverse("channels:intake"), {"state": "<x>", "page": "zz"}).status_code == 200


def test_another_secretariat_sees_none_and_a_non_clerk_is_refused(client, world):
    item = make_item(world)
    stranger = make_world("اداره کل راه")
    signed_in(client, stranger.clerk)
    listing = client.get(reverse("channels:intake"))
    assert listing.status_code == 200 and item.subject not in html_text(listing)
    for name in ("channels:intake_item", "channels:intake_raw"):
        missing = client.get(reverse(name, args=[item.pk]))
        assert missing.status_code == 404
    file_id = item.files.first().pk
    assert client.get(reverse("channels:intake_file", args=[item.pk, file_id])).status_code == 404
    posted = client.post(reverse("channels:intake_discard", args=[item.pk]), {"discard-reason": "spam"})
    assert posted.status_code == 404
    signed_in(client, world.expert)
    refused = client.get(reverse("channels:intake"))
    assert refused.status_code == 403 and "دبیرخانه" in html_text(refused)
    assert client.get(reverse("channels:intake_item", args=[item.pk])).status_code == 403
    assert IntakeItem.objects.get(pk=item.pk).state == IntakeItem.State.PENDING


def test_the_form_is_prefilled_from_the_address_book(client, world):
    Correspondent.objects.create(agency=world.agency, name="شرکت آب و فاضلاب خوزستان", email="INFO@water.example.ir",
                                 search_name=search_name("شرکت آب و فاضلاب خوزستان"))
    Correspondent.objects.create(agency=world.agency, name="اداره کل گاز", fax="021-88776655",
                                 search_name=search_name("اداره کل گاز"))
    known = make_item(world)
    unknown = make_item(world, sender_name="حسن رضایی", sender_address="hasan@example.com")
    fax = make_item(world, kind=IntakeItem.Kind.FAX, subject="نمابر")
    fax_unknown = make_item(world, kind=IntakeItem.Kind.FAX, subject="نمابر", calling_number="07733445566")
    signed_in(client, world.clerk)

    def sender_value(item):
        body = html_text(client.get(reverse("channels:intake_item", args=[item.pk])))
        return re.search(r'name="register-sender_name"[^>]*value="([^"]*)"', body).group(1)

    assert sender_value(known) == "شرکت آب و فاضلاب خوزستان"
    assert sender_value(unknown) == "حسن رضایی &lt;hasan@example.com&gt;"
    assert sender_value(fax) == "اداره کل گاز"
    assert sender_value(fax_unknown) == "07733445566"
    body = html_text(client.get(reverse("channels:intake_item", args=[known.pk])))
    assert f'value="{known.subject}"' in body and "لطفاً بررسی فرمایید." in body
    assert 'id="register-form"' in body and 'id="discard-form"' in body


def test_registering_makes_a_numbered_letter_referred_to_the_inbox(client, world):
    item = make_item(world)
    signed_in(client, world.clerk)
    response = client.post(reverse("channels:intake_register", args=[item.pk]), register_data(world, item))
    item.refresh_from_db()
    letter = item.letter
    assert response.status_code == 302 and response["Location"] == reverse("letter_detail", args=[letter.pk])
    assert letter.channel == Channel.EMAIL and letter.number and letter.subject == item.subject
    assert [a.name for a in letter.attachments.all()] == ["نامه.pdf"]
    assert Referral.objects.get(letter=letter).to_position == world.expert_pos
    page = client.get(response["Location"])
    assert page.status_code == 200 and "ثبت و ارجاع شد" in html_text(page)
    # the expert finds it in their inbox
    signed_in(client, world.expert)
    assert item.subject in html_text(client.get(reverse("inbox")))
    # the queue links the row to its letter
    signed_in(client, world.clerk)
    listing = html_text(client.get(reverse("channels:intake")))
    assert reverse("letter_detail", args=[letter.pk]) in listing


def test_discarding_and_a_second_decision(client, world):
    item = make_item(world)
    signed_in(client, world.clerk)
    missing_note = client.post(reverse("channels:intake_discard", args=[item.pk]), {"discard-reason": "other"})
    assert missing_note.status_code == 400 and "علت کنار گذاشتن را بنویسید." in html_text(missing_note)
    done = client.post(reverse("channels:intake_discard", args=[item.pk]), {"discard-reason": "spam"})
    assert done.status_code == 302 and done["Location"] == reverse("channels:intake")
    item.refresh_from_db()
    assert item.state == IntakeItem.State.DISCARDED and item.reason.startswith("هرزنامه")
    again = client.post(reverse("channels:intake_register", args=[item.pk]), register_data(world, item))
    assert again.status_code == 400 and "پیش‌تر تصمیم گرفته شده است" in html_text(again)
    again = client.post(reverse("channels:intake_discard", args=[item.pk]), {"discard-reason": "duplicate"})
    assert again.status_code == 400 and "پیش‌تر تصمیم گرفته شده است" in html_text(again)
    assert not Letter.objects.filter(agency=world.agency).exists()


def test_bad_inputs_re_render_in_persian_with_nothing_lost(client, world):
    item = make_item(world, files=[("نامه.pdf", PDF_BYTES), ("setup.exe", EXE_BYTES)])
    signed_in(client, world.clerk)
    url = reverse("channels:intake_register", args=[item.pk])
    typed = "موضوع ویرایش‌شده به دست دبیرخانه"
    no_referral = client.post(url, register_data(world, item, **{"register-refer_position": "",
                                                                 "register-subject": typed}))
    body = html_text(no_referral)
    assert no_referral.status_code == 400 and "نخستین ارجاع نامه را برگزینید." in body and typed in body
    exe = client.post(url, register_data(world, item, **{"register-subject": typed}))
    body = html_text(exe)
    assert exe.status_code == 400 and "«setup.exe»" in body and "تیک آن را بردارید" in body and typed in body
    bad_date = client.post(url, register_data(world, item, **{"register-sender_date": "۱۴۰۵/۱۳/۴۰"}))
    assert bad_date.status_code == 400 and "تاریخ" in html_text(bad_date)
    foreign = client.post(url, register_data(world, item, **{"register-files": ["999999"]}))
    assert foreign.status_code == 400 and "از این ایمیل یا نمابر نیست" in html_text(foreign)
    assert IntakeItem.objects.get(pk=item.pk).state == IntakeItem.State.PENDING
    pdf = item.files.get(name="نامه.pdf").pk
    ok = client.post(url, register_data(world, item, **{"register-files": [pdf], "register-subject": typed}))
    assert ok.status_code == 302 and Letter.objects.get(intake_item=item).subject == typed


def test_a_letter_registered_elsewhere_is_not_named_to_a_clerk_who_may_not_see_it(client, world):
    item = make_item(world)
    second = Secretariat.objects.create(agency=world.agency, name="دبیرخانه محرمانه", code="DS")
    NumberSeries.objects.create(secretariat=second, name="وارده", code="و", kinds=["incoming"])
    second.clerks.add(world.clerk)
    signed_in(client, world.clerk)
    client.post(reverse("channels:intake_register", args=[item.pk]),
                register_data(world, item, **{"register-secretariat": second.id, "register-classification": "secret"}))
    letter = Letter.objects.get(intake_item=item)
    colleague = make_user()
    world.secretariat.clerks.add(colleague)
    signed_in(client, colleague)
    for page in (client.get(reverse("channels:intake")), client.get(reverse("channels:intake_item", args=[item.pk]))):
        assert page.status_code == 200 and reverse("letter_detail", args=[letter.pk]) not in html_text(page)
        assert letter.number not in html_text(page)


def test_files_are_served_safely(client, world):
    item = make_item(world, files=[("نامه.pdf", PDF_BYTES), ("setup.exe", EXE_BYTES)])
    item.raw.save("m.eml", ContentFile(b"Subject: test\r\n\r\nbody\r\n"))
    signed_in(client, world.clerk)
    pdf = client.get(reverse("channels:intake_file", args=[item.pk, item.files.get(name="نامه.pdf").pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf["X-Content-Type-Options"] == "nosniff"
    assert pdf["Content-Disposition"].startswith("inline") and pdf.content == PDF_BYTES
    exe = client.get(reverse("channels:intake_file", args=[item.pk, item.files.get(name="setup.exe").pk]))
    assert exe["Content-Type"] == "application/octet-stream" and exe["Content-Disposition"].startswith("attachment")
    raw = client.get(reverse("channels:intake_raw", args=[item.pk]))
    assert raw["Content-Type"] == "message/rfc822" and raw["Content-Disposition"].startswith("attachment")
    assert raw.content.startswith(b"Subject: test")
    other = make_item(world)
    assert client.get(reverse("channels:intake_file", args=[other.pk, item.files.first().pk])).status_code == 404


def test_files_the_letters_refuse_start_unticked(client, world):
    # a winmail.dat kept whole (declared application/ms-tnef by the parser) would only stop the registration
    item = make_item(world, files=(("نامه.pdf", PDF_BYTES), ("winmail.dat", b"not tnef")))
    item.files.filter(name="winmail.dat").update(content_type="application/ms-tnef")
    signed_in(client, world.clerk)
    body = html_text(client.get(reverse("channels:intake_item", args=[item.pk])))
    pdf, winmail = item.files.get(name="نامه.pdf"), item.files.get(name="winmail.dat")
    ticked = set(re.findall(r'<input[^>]*name="register-files"[^>]*value="(\d+)"[^>]*checked', body))
    assert ticked == {str(pdf.pk)} and str(winmail.pk) in body
