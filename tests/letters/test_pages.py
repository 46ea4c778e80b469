"""The secretariat's pages through the Django test client, against the real database."""

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dabir.core.jalali import format_date, today
from dabir.core.text import ltr_number, to_persian_digits
from dabir.letters import services
from dabir.letters.models import Folder, Letter, PrintRecord, Referral, ReferralStatus, Status
from dabir.orgs.models import Assignment
from tests.factories import PDF_BYTES, make_pdf, make_user

PDF = PDF_BYTES  # a whole PDF: uploads are parsed, not judged by their first bytes


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def incoming(world, subject="درخواست بودجه عمرانی", refer_to=None, classification="unclassified", **extra):
    specs = [services.ReferralSpec(pid, note="بررسی و گزارش شود") for pid in (refer_to or [])]
    return services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject=subject, sender_name="شهرداری اهواز",
        channel="post", refer_to=specs, seat=world.seat(world.clerk_pos), classification=classification, **extra,
    )


def jalali(days_from_today: int, persian=True) -> str:
    return format_date(today() + dt.timedelta(days=days_from_today), persian=persian)


# ---------------------------------------------------------------- sign-in and access


@pytest.mark.django_db
def test_login_form_signs_in_and_logout_is_post(world):
    client = Client()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'dir="rtl"' in page.content.decode() and "گذرواژه" in page.content.decode()
    bad = client.post(reverse("login"), {"username": world.manager.username, "password": "wrong"})
    assert bad.status_code == 200 and "درست نیست" in bad.content.decode()
    ok = client.post(reverse("login"), {"username": world.manager.username, "password": "demo-pass-1234"})
    assert ok.status_code == 302 and ok.url == reverse("home")
    assert client.get(reverse("inbox")).status_code == 200
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("inbox")).status_code == 302


@pytest.mark.django_db
@pytest.mark.parametrize("name,args", [
    ("inbox", []), ("compose", []), ("register_incoming", []), ("search", []), ("followup", []),
    ("to_register", []), ("folders", []), ("letter_detail", [1]), ("refer", [1]), ("letter_print", [1]),
    ("referral_sheet", [1]), ("attachment_download", [1]), ("draft_edit", [1]),
])
def test_pages_send_anonymous_users_to_sign_in(name, args):
    response = Client().get(reverse(name, args=args))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_clerk_pages_refuse_other_staff(world):
    expert = login(world.expert)
    assert expert.get(reverse("register_incoming")).status_code == 403
    assert expert.get(reverse("to_register")).status_code == 403
    assert expert.get(reverse("followup")).status_code == 403
    clerk = login(world.clerk)
    assert clerk.get(reverse("register_incoming")).status_code == 200
    assert clerk.get(reverse("to_register")).status_code == 200


def test_every_page_renders_for_its_user(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    for url in [
        reverse("inbox"), reverse("inbox") + "?tab=sent", reverse("compose"), reverse("search"),
        reverse("followup"), reverse("folders"), reverse("letter_detail", args=[letter.id]),
        reverse("refer", args=[letter.id]), reverse("letter_print", args=[letter.id]),
        reverse("referral_sheet", args=[letter.id]),
    ]:
        response = manager.get(url)
        assert response.status_code == 200, url
        assert '<html lang="fa" dir="rtl">' in response.content.decode(), url


# ---------------------------------------------------------------- position switcher


def test_switch_position_to_an_acting_seat(world):
    now = timezone.now()
    Assignment.objects.create(
        user=world.manager, position=world.expert_pos, role=Assignment.Role.ACTING,
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=3),
    )
    incoming(world, subject="نامه برای کارشناس", refer_to=[world.expert_pos.id])
    client = login(world.manager)
    page = client.get(reverse("inbox")).content.decode()
    assert "(جانشین)" in page
    assert "نامه برای کارشناس" not in page
    response = client.post(reverse("switch_position"), {"position_id": world.expert_pos.id, "next": "/"})
    assert response.status_code == 302
    assert client.session["position_id"] == world.expert_pos.id
    assert "نامه برای کارشناس" in client.get(reverse("inbox")).content.decode()
    refused = client.post(reverse("switch_position"), {"position_id": world.other_pos.id})
    assert refused.status_code == 403
    assert client.session["position_id"] == world.expert_pos.id


# ---------------------------------------------------------------- inbox


def test_inbox_lists_referral_with_number_and_unread_mark(world):
    letter = incoming(world, refer_to=[world.manager_pos.id], urgency="urgent")
    page = login(world.manager).get(reverse("inbox"))
    html = page.content.decode()
    assert page.status_code == 200
    assert letter.subject in html
    assert f'<bdi dir="ltr" class="number">{ltr_number(letter.number)}</bdi>' in html
    assert "unread fw-bold" in html and "فوری" in html and "کارمند دبیرخانه" in html
    assert "خوانده نشده: ۱" in html


def test_inbox_filters_and_htmx_partial(world):
    incoming(world, subject="نامه فوری", refer_to=[world.manager_pos.id], urgency="urgent")
    incoming(world, subject="نامه عادی", refer_to=[world.manager_pos.id])
    client = login(world.manager)
    html = client.get(reverse("inbox"), {"urgency": "urgent"}).content.decode()
    assert "نامه فوری" in html and "نامه عادی" not in html
    partial = client.get(reverse("inbox"), {"urgency": "normal"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert partial.status_code == 200
    assert body.lstrip().startswith('<div id="inbox-list">') and "<html" not in body
    assert "نامه عادی" in body and "نامه فوری" not in body


def test_inbox_malformed_jalali_date_is_a_persian_error(world):
    incoming(world, refer_to=[world.manager_pos.id])
    client = login(world.manager)
    response = client.get(reverse("inbox"), {"date_from": "۱۴۰۵/۱۳/۴۰"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "این تاریخ در تقویم وجود ندارد" in html
    assert 'value="۱۴۰۵/۱۳/۴۰"' in html
    garbage = client.get(reverse("inbox"), {"date_to": "فردا"}, headers={"HX-Request": "true"})
    assert garbage.status_code == 400 and "تاریخ نامعتبر است" in garbage.content.decode()


def test_inbox_accepts_persian_digit_dates(world):
    incoming(world, subject="امروزی", refer_to=[world.manager_pos.id])
    client = login(world.manager)
    response = client.get(reverse("inbox"), {"date_from": jalali(0), "date_to": jalali(0)})
    assert response.status_code == 200 and "امروزی" in response.content.decode()
    later = client.get(reverse("inbox"), {"date_from": jalali(1)})
    assert later.status_code == 200 and "امروزی" not in later.content.decode()


def test_inbox_paginates_25_per_page(world):
    for i in range(27):
        incoming(world, subject=f"نامه شماره {i}", refer_to=[world.manager_pos.id])
    client = login(world.manager)
    first = client.get(reverse("inbox")).content.decode()
    assert first.count('data-label="موضوع"') == 25 and "صفحه ۱ از ۲" in first
    second = client.get(reverse("inbox"), {"page": 2}).content.decode()
    assert second.count('data-label="موضوع"') == 2


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_inbox_query_count_does_not_grow_with_letters(world):
    client = login(world.manager)
    for i in range(3):
        incoming(world, subject=f"الف {i}", refer_to=[world.manager_pos.id])
    small = _queries(client, reverse("inbox"))
    small_sent = _queries(client, reverse("inbox") + "?tab=sent")
    for i in range(27):
        incoming(world, subject=f"ب {i}", refer_to=[world.manager_pos.id])
    assert _queries(client, reverse("inbox")) == small
    clerk = login(world.clerk)
    few = _queries(clerk, reverse("inbox") + "?tab=sent")
    assert few == _queries(clerk, reverse("inbox") + "?tab=sent")
    assert small_sent > 0


def test_letter_page_query_count_does_not_grow_with_referrals(world):
    client = login(world.manager)

    def build(n):
        letter = incoming(world, refer_to=[world.manager_pos.id])
        services.add_attachments(user=world.clerk, seat=world.seat(world.clerk_pos), letter=letter,
                                 uploads=[services.Upload(name=f"p{i}.pdf", content=make_pdf(title=f"p{i}")) for i in range(n)])
        # A chain of n referrals between the manager and the two experts.
        seats = [world.manager_pos, world.expert_pos, world.other_pos]
        users = {world.manager_pos.id: world.manager, world.expert_pos.id: world.expert,
                 world.other_pos.id: world.other}
        current = world.manager_pos
        for i in range(n - 1):
            target = seats[(i + 1) % 3]
            services.refer(user=users[current.id], seat=world.seat(current), letter=letter,
                           targets=[services.ReferralSpec(target.id, note=f"هامش {i}")])
            current = target
        return letter

    small, large = build(3), build(30)
    assert Referral.objects.filter(letter=large).count() == 30
    url_small, url_large = reverse("letter_detail", args=[small.id]), reverse("letter_detail", args=[large.id])
    client.get(url_small), client.get(url_large)  # first opening marks read; count the second
    assert _queries(client, url_small) == _queries(client, url_large)


# ---------------------------------------------------------------- letter page


def test_opening_letter_marks_referral_read_and_shows_the_chain(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    referral = letter.referrals.get()
    html = login(world.manager).get(reverse("letter_detail", args=[letter.id])).content.decode()
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.READ and referral.read_by == world.manager
    assert "بررسی و گزارش شود" in html and "شهرداری اهواز" in html
    assert ltr_number(letter.number) in html
    assert reverse("refer", args=[letter.id]) in html


def test_classified_letter_is_404_outside_its_chain(world):
    letter = incoming(world, refer_to=[world.manager_pos.id], classification="confidential")
    assert login(world.manager).get(reverse("letter_detail", args=[letter.id])).status_code == 200
    outsider = login(world.other)
    for name in ("letter_detail", "refer", "letter_print", "referral_sheet"):
        response = outsider.get(reverse(name, args=[letter.id]))
        assert response.status_code == 404, name
        assert "پیدا نشد" in response.content.decode()
    assert outsider.get(reverse("letter_detail", args=[999999])).status_code == 404
    assert not PrintRecord.objects.filter(letter=letter).exists()


def test_attachment_download_checks_visibility(world):
    letter = incoming(world, refer_to=[world.manager_pos.id], uploads=[services.Upload("scan.pdf", PDF, is_scan=True)])
    attachment = letter.attachments.get()
    response = login(world.manager).get(reverse("attachment_download", args=[attachment.id]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == PDF
    assert login(world.other).get(reverse("attachment_download", args=[attachment.id])).status_code == 404


def test_refer_then_receiver_inbox_then_mark_done(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    form = manager.get(reverse("refer", args=[letter.id]))
    assert form.status_code == 200
    response = manager.post(reverse("refer", args=[letter.id]), {
        "t-TOTAL_FORMS": 3, "t-INITIAL_FORMS": 0,
        "t-0-position": world.expert_pos.id, "t-0-action": "action", "t-0-note": "گزارش کارشناسی تهیه شود",
        "t-0-deadline": jalali(5),
        "t-1-position": "", "t-1-action": "action", "t-2-position": "", "t-2-action": "action",
    })
    assert response.status_code == 302 and response.url == reverse("letter_detail", args=[letter.id])
    expert = login(world.expert)
    inbox_html = expert.get(reverse("inbox")).content.decode()
    assert letter.subject in inbox_html and "مدیرکل" in inbox_html
    assert expert.get(reverse("letter_detail", args=[letter.id])).status_code == 200
    done = expert.post(reverse("letter_complete", args=[letter.id]), {"complete-note": "گزارش فرستاده شد"})
    assert done.status_code == 302
    referral = Referral.objects.get(letter=letter, to_position=world.expert_pos)
    assert referral.status == ReferralStatus.DONE and referral.result_note == "گزارش فرستاده شد"
    assert letter.subject not in expert.get(reverse("inbox")).content.decode()


def test_refer_form_errors_keep_input(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    url = reverse("refer", args=[letter.id])
    base = {"t-TOTAL_FORMS": 1, "t-INITIAL_FORMS": 0, "t-0-action": "action", "t-0-note": "هامش نگه‌داشته"}
    past = manager.post(url, {**base, "t-0-position": world.expert_pos.id, "t-0-deadline": jalali(-3)})
    assert past.status_code == 400
    html = past.content.decode()
    assert "گذشته" in html and "هامش نگه‌داشته" in html
    bad = manager.post(url, {**base, "t-0-position": world.expert_pos.id, "t-0-deadline": "۱۴۰۵/۱۳/۴۰"})
    assert bad.status_code == 400 and "این تاریخ در تقویم وجود ندارد" in bad.content.decode()
    empty = manager.post(url, {**base, "t-0-position": ""})
    assert empty.status_code == 400 and "دست‌کم یک گیرنده" in empty.content.decode()
    assert not Referral.objects.filter(letter=letter, to_position=world.expert_pos).exists()


def test_refer_warns_about_absent_holder(world):
    now = timezone.now()
    Assignment.objects.create(
        user=world.other, position=world.expert_pos, role=Assignment.Role.ACTING,
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(days=3),
    )
    letter = incoming(world, refer_to=[world.manager_pos.id])
    html = login(world.manager).get(reverse("refer", args=[letter.id])).content.decode()
    assert "غایب — جانشین: رضا بیرونی" in html
    assert 'data-absent="دارنده این سمت غایب است؛ جانشین: رضا بیرونی"' in html
    assert "absence-note" in html
    clerk_html = login(world.clerk).get(reverse("register_incoming")).content.decode()
    assert "غایب — جانشین: رضا بیرونی" in clerk_html


def test_close_and_void_with_reason_shows_banner(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    no_note = manager.post(reverse("letter_close", args=[letter.id]), {"close-note": ""})
    assert no_note.status_code == 400
    clerk = login(world.clerk)
    no_reason = clerk.post(reverse("letter_void", args=[letter.id]), {"void-reason": "  "})
    assert no_reason.status_code == 400 and "ابطال شده" not in no_reason.content.decode().split("<main")[1][:400]
    refused = manager.post(reverse("letter_void", args=[letter.id]), {"void-reason": "اشتباه"})
    assert refused.status_code == 400 and "کاربر این دبیرخانه نیستید" in refused.content.decode()
    response = clerk.post(reverse("letter_void", args=[letter.id]), {"void-reason": "ثبت تکراری"})
    assert response.status_code == 302
    html = clerk.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert "void-banner" in html and "ابطال شده" in html and "ثبت تکراری" in html
    assert ltr_number(letter.number) in html
    letter.refresh_from_db()
    assert letter.status == Status.VOID and letter.number


def test_close_letter_with_note(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    response = manager.post(reverse("letter_close", args=[letter.id]), {"close-note": "پاسخ تلفنی داده شد"})
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.status == Status.CLOSED and letter.closed_note == "پاسخ تلفنی داده شد"


# ---------------------------------------------------------------- compose, sign, register


def compose_data(world, **overrides):
    data = {
        "kind": "internal", "subject": "درخواست تجهیزات", "body": "<p>متن <b>نامه</b><script>x()</script></p>",
        "to": [world.expert_pos.id], "cc": [world.other_pos.id], "signer_position": world.manager_pos.id,
        "urgency": "normal", "classification": "unclassified", "keywords": "تجهیزات، رایانه",
        "to_outside": "", "cc_outside": "", "follows": "", "replies": "",
    }
    data.update(overrides)
    return data


def test_compose_missing_subject_keeps_typed_values(world):
    client = login(world.expert)
    response = client.post(reverse("compose"), compose_data(world, subject="", keywords="کلید نگه‌داشته",
                                                            to=[world.manager_pos.id]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "این فیلد لازم است" in html or "را وارد کنید" in html
    assert 'value="کلید نگه‌داشته"' in html
    assert f'<option value="{world.manager_pos.id}" selected>' in html
    assert not Letter.objects.filter(created_by=world.expert).exists()


def test_compose_disguised_pdf_is_refused(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(world.expert)
    fake = SimpleUploadedFile("report.pdf", "این یک متن ساده است، نه PDF".encode(), content_type="application/pdf")
    response = client.post(reverse("compose"), {**compose_data(world), "attachments": [fake]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "«report.pdf»" in html and "پذیرفته" in html
    assert 'value="درخواست تجهیزات"' in html
    assert not Letter.objects.filter(created_by=world.expert).exists()


def test_compose_internal_with_outside_recipient_is_refused(world):
    response = login(world.expert).post(reverse("compose"), compose_data(world, to_outside="شرکت آب"))
    assert response.status_code == 400 and "گیرنده بیرونی ندارد" in response.content.decode()


def test_compose_unknown_link_is_a_form_error(world):
    response = login(world.expert).post(reverse("compose"), compose_data(world, follows="۹۹۹۹۹"))
    assert response.status_code == 400 and "پیدا نشد" in response.content.decode()


def test_draft_sign_register_flow_through_pages(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    earlier = incoming(world, refer_to=[world.expert_pos.id])
    expert = login(world.expert)
    attachment = SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf")
    response = expert.post(reverse("compose"), {
        **compose_data(world, replies=to_persian_digits(earlier.number)), "attachments": [attachment],
    })
    assert response.status_code == 302
    letter = Letter.objects.get(created_by=world.expert, subject="درخواست تجهیزات")
    assert response.url == reverse("letter_detail", args=[letter.id])
    assert "<script>" not in letter.body and "<b>نامه</b>" in letter.body
    assert letter.links.get().target == earlier and letter.attachments.count() == 1
    page = expert.get(response.url).content.decode()
    assert "ویرایش پیش‌نویس" in page and "فرستادن برای امضا" in page

    # edit the draft: the form comes back filled, an empty subject is refused, a new one saved
    edit_url = reverse("draft_edit", args=[letter.id])
    assert 'value="درخواست تجهیزات"' in expert.get(edit_url).content.decode()
    assert expert.post(edit_url, compose_data(world, subject="")).status_code == 400
    assert expert.post(edit_url, compose_data(world, subject="درخواست تجهیزات رایانه‌ای")).status_code == 302
    assert login(world.other).get(edit_url).status_code == 404

    assert expert.post(reverse("letter_submit", args=[letter.id])).status_code == 302
    manager = login(world.manager)
    page = manager.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert "امضا و تأیید" in page
    returned = manager.post(reverse("letter_return", args=[letter.id]), {"return-note": ""})
    assert returned.status_code == 400
    assert manager.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}).status_code == 302

    clerk = login(world.clerk)
    queue = clerk.get(reverse("to_register")).content.decode()
    assert "درخواست تجهیزات رایانه‌ای" in queue
    response = clerk.post(reverse("letter_register", args=[letter.id]), {"next": reverse("to_register")})
    assert response.status_code == 302 and response.url == reverse("to_register")
    letter.refresh_from_db()
    assert letter.status == Status.REGISTERED and letter.number
    other_inbox = login(world.other).get(reverse("inbox")).content.decode()  # cc → information referral
    assert ltr_number(letter.number) in other_inbox


def test_outgoing_dispatch_through_page(world):
    letter = services.create_draft(
        user=world.expert, seat=world.seat(world.expert_pos), kind="outgoing", subject="پاسخ به شهرداری",
        to=["شهرداری اهواز"], signer_position_id=world.manager_pos.id,
    )
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    services.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    services.register_letter(user=world.clerk, letter=letter)
    clerk = login(world.clerk)
    page = clerk.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert "ارسال شد" in page
    assert clerk.post(reverse("letter_dispatch", args=[letter.id]), {"dispatch-channel": "nope"}).status_code == 400
    assert clerk.post(reverse("letter_dispatch", args=[letter.id]), {"dispatch-channel": "post"}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == Status.DISPATCHED


# ---------------------------------------------------------------- register incoming


def incoming_data(world, **overrides):
    data = {
        "secretariat": world.secretariat.id, "series": "", "sender_name": "اداره کل راه و شهرسازی",
        "sender_number": "۱۲۳/۴۵", "sender_date": jalali(-2), "channel": "post", "received_date": "",
        "subject": "درخواست همکاری", "body": "<p>خلاصه نامه</p>", "keywords": "همکاری", "urgency": "normal",
        "classification": "unclassified", "paper_location": "قفسه ۳", "refer_position": world.manager_pos.id,
        "refer_action": "action", "refer_note": "بررسی شود", "refer_deadline": jalali(4),
    }
    data.update(overrides)
    return data


def test_register_incoming_shows_number_and_reaches_inbox(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = login(world.clerk)
    scan = SimpleUploadedFile("page1.pdf", PDF, content_type="application/pdf")
    response = clerk.post(reverse("register_incoming"), {**incoming_data(world), "scans": [scan]})
    assert response.status_code == 302
    letter = Letter.objects.get(subject="درخواست همکاری")
    assert letter.sender_date == today() - dt.timedelta(days=2) and letter.sender_number == "123/45"
    assert letter.attachments.get().is_scan
    page = clerk.get(response.url).content.decode()
    isolated = f'<bdi dir="ltr" class="number">{ltr_number(letter.number)}</bdi>'
    assert page.count(isolated) == 2  # the success message and the header
    assert "قفسه ۳" in page
    referral = letter.referrals.get()
    assert referral.deadline == today() + dt.timedelta(days=4)
    assert "درخواست همکاری" in login(world.manager).get(reverse("inbox")).content.decode()


@pytest.mark.parametrize("field,value,message", [
    ("sender_date", "۱۴۰۵/۱۳/۴۰", "این تاریخ در تقویم وجود ندارد"),
    ("sender_date", "دیروز", "تاریخ نامعتبر است"),
    ("refer_deadline", "PAST", "گذشته"),
    ("subject", "", "این فیلد لازم است"),
    ("sender_date", "FUTURE", "آینده"),
])
def test_register_incoming_bad_input_keeps_values(world, field, value, message):
    value = {"PAST": jalali(-3), "FUTURE": jalali(3)}.get(value, value)
    response = login(world.clerk).post(reverse("register_incoming"), incoming_data(world, **{field: value}))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert 'value="اداره کل راه و شهرسازی"' in html and "بررسی شود" in html
    assert not Letter.objects.filter(sender_name="اداره کل راه و شهرسازی").exists()


def test_register_incoming_disguised_scan_and_persian_digits(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    clerk = login(world.clerk)
    fake = SimpleUploadedFile("scan.pdf", b"just text pretending", content_type="application/pdf")
    response = clerk.post(reverse("register_incoming"), {**incoming_data(world), "scans": [fake]})
    assert response.status_code == 400
    html = response.content.decode()
    scans_block = html[html.index('for="id_scans"'):html.index('for="id_attachments"')]
    assert "«scan.pdf»" in scans_block and 'id="id_scans"' in scans_block and "is-invalid" in scans_block
    latin = clerk.post(reverse("register_incoming"), incoming_data(world, sender_date=jalali(-1, persian=False),
                                                                     refer_deadline=jalali(2)))
    assert latin.status_code == 302


# ---------------------------------------------------------------- search, follow-up, folders, print


def test_search_page(world):
    letter = incoming(world, subject="قرارداد نگهداری تأسیسات", refer_to=[world.manager_pos.id])
    client = login(world.manager)
    empty = client.get(reverse("search"))
    assert empty.status_code == 200 and "پیدا شد" not in empty.content.decode()
    found = client.get(reverse("search"), {"q": "تاسیسات"})
    # found, with the word typed without hamza marked in the subject as it is written
    assert found.status_code == 200 and "قرارداد نگهداری <mark>تأسیسات</mark>" in found.content.decode()
    by_number = client.get(reverse("search"), {"number": to_persian_digits(letter.number)})
    assert letter.subject in by_number.content.decode()
    bad = client.get(reverse("search"), {"date_from": "۱۴۰۵/۱۳/۴۰"})
    assert bad.status_code == 400
    assert letter.subject not in login(world.other).get(reverse("search"), {"q": "قرارداد"}).content.decode()


def test_followup_counts_overdue_by_unit_and_position(world):
    incoming(world, subject="دیرکرده", refer_to=[world.expert_pos.id, world.other_pos.id])
    incoming(world, subject="به‌موقع", refer_to=[world.expert_pos.id])
    Referral.objects.filter(letter__subject="دیرکرده").update(deadline=today() - dt.timedelta(days=2))
    manager = login(world.manager)
    html = manager.get(reverse("followup")).content.decode()
    assert "دیرکرده" in html and "به‌موقع" not in html
    assert "اداره فناوری اطلاعات" in html and "کارشناس مالی" in html
    assert 'badge text-bg-danger">۲</span></h1>' in html
    filtered = manager.get(reverse("followup"), {"position": world.expert_pos.id}).content.decode()
    assert 'badge text-bg-danger">۱</span></h1>' in filtered
    assert manager.get(reverse("followup"), {"unit": "x"}).status_code == 400


def test_folders_create_and_file_a_letter(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    manager = login(world.manager)
    assert manager.post(reverse("folders"), {"code": "۱۰۱", "title": "بودجه"}).status_code == 302
    duplicate = manager.post(reverse("folders"), {"code": "۱۰۱", "title": "تکراری"})
    assert duplicate.status_code == 400 and "پرونده‌ای با این کد هست" in duplicate.content.decode()
    missing = manager.post(reverse("folders"), {"code": "", "title": ""})
    assert missing.status_code == 400
    folder = Folder.objects.get(agency=world.agency)
    assert manager.post(reverse("letter_file", args=[letter.id]), {"file-folder": folder.id}).status_code == 302
    again = manager.post(reverse("letter_file", args=[letter.id]), {"file-folder": folder.id})
    assert again.status_code == 400 and "پیش‌تر" in again.content.decode()
    assert folder.letters.filter(pk=letter.pk).exists()


def test_print_and_referral_sheet_record_prints(world):
    letter = incoming(world, subject="نامه شماره 12", refer_to=[world.manager_pos.id])
    client = login(world.manager)
    page = client.get(reverse("letter_print", args=[letter.id])).content.decode()
    assert "print.js" in page and "print.css" in page
    assert ltr_number(letter.number) in page and "نامه شماره ۱۲" in page
    assert to_persian_digits(world.agency.name) in page
    sheet = client.get(reverse("referral_sheet", args=[letter.id])).content.decode()
    assert "بررسی و گزارش شود" in sheet and "مدیرکل" in sheet
    kinds = sorted(PrintRecord.objects.filter(letter=letter).values_list("kind", flat=True))
    assert kinds == ["letter", "referral_sheet"]


def test_sent_tab_withdraw_while_unread(world):
    letter = incoming(world, refer_to=[world.manager_pos.id])
    services.refer(user=world.manager, seat=world.seat(world.manager_pos), letter=letter,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    manager = login(world.manager)
    html = manager.get(reverse("inbox"), {"tab": "sent"}).content.decode()
    assert "پس گرفتن" in html and "جایگزینی" in html
    sent = Referral.objects.get(letter=letter, to_position=world.expert_pos)
    response = manager.post(reverse("referral_reassign", args=[sent.id]), {"to_position": world.other_pos.id})
    assert response.status_code == 302
    new = Referral.objects.get(letter=letter, to_position=world.other_pos)
    assert manager.post(reverse("referral_withdraw", args=[new.id])).status_code == 302
    new.refresh_from_db()
    assert new.status == ReferralStatus.WITHDRAWN
    # the expert cannot withdraw someone else's referral
    assert login(world.expert).post(reverse("referral_withdraw", args=[new.id])).status_code == 302
    assert Referral.objects.get(pk=new.pk).status == ReferralStatus.WITHDRAWN


@pytest.mark.django_db
def test_user_without_position_gets_a_clear_page():
    user = make_user()
    client = login(user)
    assert client.get(reverse("inbox")).status_code == 200
    response = client.get(reverse("compose"))
    assert response.status_code == 403 and "سمتی" in response.content.decode()


def test_second_world_positions_are_not_offered(world):
    from tests.factories import make_world

    stranger = make_world("سازمان دیگر")
    html = login(world.expert).get(reverse("compose")).content.decode()
    assert f'value="{stranger.manager_pos.id}"' not in html
    assert f'value="{world.manager_pos.id}"' in html
