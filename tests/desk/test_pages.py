"""Citizen desk pages over real HTTP (Django's test client) and the real database: who sees what,
the request form's draft keeping typed values and uploaded files through every refusal, the
check-answers step, one request per submission key, the request page's actions, public tracking
(checked and rate-limited), complaints, and the fee through the built-in test bank."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from dabir.desk import services
from dabir.desk.models import Complaint, Rating, RequestDocument, RequestStatus, ServiceRequest
from dabir.notify.models import SmsMessage
from tests.factories import EXE_BYTES, PDF_BYTES, PNG_BYTES

from .pages_fixtures import (
    answers,
    ask_documents,
    citizen_client,
    complete,
    make_citizen,
    make_desk,
    national_code,
    permit_definition,
    reject,
    submit,
)

pytestmark = pytest.mark.django_db


def html(response) -> str:
    return response.content.decode()


def text(response) -> str:
    words = re.sub(r"<[^>]+>", " ", html(response))
    words = re.sub("[\u200e\u200f\u2066-\u2069]", "", words)
    return re.sub(r"\s+", " ", words)


@pytest.fixture
def desk():
    return make_desk()


@pytest.fixture
def client_c(desk):
    return citizen_client(desk.citizen)


def open_form(client, desk) -> str:
    response = client.get(f"/services/{desk.service.code}/apply/")
    assert response.status_code == 200
    return re.search(r'name="submission_key" value="([0-9a-f]{32})"', html(response)).group(1)


def post_form(client, desk, key, data=None, files=None):
    payload = {"submission_key": key, **(answers() if data is None else data)}
    payload.update(files or {})
    return client.post(f"/services/{desk.service.code}/apply/", payload)


def pdf(name="permit.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def png(name="site.png"):
    return SimpleUploadedFile(name, PNG_BYTES, content_type="image/png")


# ---------------------------------------------------------------- public pages


def test_catalogue_lists_searches_and_filters(client, desk):
    other = make_desk(code="other-service")
    response = client.get("/services/")
    assert response.status_code == 200
    page = text(response)
    assert "تمدید پروانه ساختمان" in page and "۷ روز کاری" in page and "رایگان" in page
    assert 'dir="rtl"' in html(response) and 'rel="manifest"' in html(response)
    # Persian normalisation: Arabic yeh and kaf find the Persian words.
    found = client.get("/services/", {"q": "تمديد پروانه"})
    assert desk.service.title in text(found)
    assert "یافت شد" in text(found)
    assert "خدمتی با این مشخصات یافت نشد" in text(client.get("/services/", {"q": "گذرنامه"}))
    by_agency = html(client.get("/services/", {"agency": other.world.agency.pk}))
    assert f'href="/services/{other.service.code}/"' in by_agency
    assert f'href="/services/{desk.service.code}/"' not in by_agency
    assert client.get("/services/", {"category": desk.service.category_id}).status_code == 200
    assert "یافت نشد" in text(client.get("/services/", {"category": "۹۹۹۹"}))
    assert client.get("/services/", {"agency": "abc", "category": "<x>", "q": "x" * 5000}).status_code == 200


def test_service_profile_shows_the_whole_profile(client, desk):
    make_desk(code="fee-service", fee=250_000)
    response = client.get(f"/services/{desk.service.code}/")
    assert response.status_code == 200
    page = text(response)
    for part in ("چه کسانی می‌توانند درخواست دهند", "مالک ملک یا وکیل رسمی او", "مراحل درخواست",
                 "بررسی کارشناس شهرسازی", "حداکثر ۳ روز کاری", "پروانه پیشین", "قانون شهرداری‌ها",
                 "تمدید چند بار ممکن است؟", "۵۰٬۰۰۰", "۵٬۰۰۰", "دفتر پیشخوان", "شکایت و اعتراض",
                 "ظرف ده روز کاری", "۱۳۰۲۱۵۰۰۱۰۰", "درخواست آنلاین", "اداره شهرسازی"):
        assert part in page, part
    fee = text(client.get("/services/fee-service/"))
    assert "۲۵۰٬۰۰۰" in fee and "۲۵٬۰۰۰" in fee  # Rials and Tomans
    assert client.get("/services/no-such-service/").status_code == 404


def test_citizen_pages_send_anonymous_and_staff_to_the_citizen_login(client, desk):
    req = submit(desk)
    staff = Client()
    staff.force_login(desk.world.expert)
    for url in (f"/services/{desk.service.code}/apply/", "/services/my/", f"/services/my/{req.tracking_code}/",
                f"/services/my/{req.tracking_code}/done/", "/services/complaints/new/"):
        for c in (client, staff):
            response = c.get(url)
            assert response.status_code == 302 and response["Location"].startswith("/citizen/login/?next="), url


def test_another_citizens_request_is_404(desk, client_c):
    stranger = make_citizen(seed=7_700_001, mobile="09351112233")
    theirs = submit(desk, citizen=stranger)
    mine = submit(desk)
    other = citizen_client(stranger)
    for suffix in ("", "done/", "result.pdf"):
        assert other.get(f"/services/my/{mine.tracking_code}/{suffix}").status_code == 404
    assert other.post(f"/services/my/{mine.tracking_code}/cancel/").status_code == 404
    assert other.post(f"/services/my/{mine.tracking_code}/rate/", {"score": "5"}).status_code == 404
    assert client_c.get(f"/services/my/{theirs.tracking_code}/").status_code == 404
    assert client_c.get("/services/my/1234567890/").status_code == 404  # a wrong check digit: 404, no 500
    listing = text(client_c.get("/services/my/"))
    assert mine.tracking_code[:3] not in "" and theirs.tracking_code not in listing


# ---------------------------------------------------------------- the request form


def test_form_is_prefilled_and_builds_every_field_type(desk, client_c):
    response = client_c.get(f"/services/{desk.service.code}/apply/")
    page = html(response)
    assert 'value="۰۹۱۶۱۲۳۴۵۶۷"' in page  # the citizen's mobile
    assert national_code(4_411_223) in re.sub("[۰-۹]", lambda m: str("۰۱۲۳۴۵۶۷۸۹".index(m.group())), page)
    assert 'value="سارا شهروند"' in page
    assert 'type="radio" name="f-usage"' in page  # three choices: radios
    assert '<select class="form-select" id="f-district"' in page  # eight: a list
    assert 'name="f-reason"' in page and "<textarea" in page
    assert 'type="file" class="file-native" id="f-site_photo"' in page and 'accept=".jpg,.png"' in page
    assert 'انتخاب پرونده' in page
    assert 'id="d-old_permit"' in page and "multiple" in page
    assert 'inputmode="numeric"' in page and "تاریخ شمسی" in page


def test_happy_path_check_answers_then_confirmation(desk, client_c):
    key = open_form(client_c, desk)
    response = post_form(client_c, desk, key, files={"d-old_permit": pdf(), "f-site_photo": png()})
    assert response.status_code == 302
    check_url = f"/services/{desk.service.code}/apply/{key}/check/"
    assert response["Location"] == check_url
    review = client_c.get(check_url)
    assert review.status_code == 200
    page = text(review)
    assert "پاسخ‌های خود را بازبینی کنید" in page and "۱۲۳/۴۵" in page and "permit.pdf" in page
    assert "site.png" in page and "منطقه ۲" in page and "۱۳۴۶۷۱۳۵۸۹" in page
    assert html(review).count(">تغییر<") >= 10
    assert f"?key={key}#f-postal_code" in html(review)
    assert ServiceRequest.objects.count() == 0  # nothing is written before the citizen confirms

    done = client_c.post(check_url)
    req = ServiceRequest.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/services/my/{req.tracking_code}/done/"
    assert req.applicant == desk.citizen and req.letter is not None and req.status == RequestStatus.SUBMITTED
    assert set(RequestDocument.objects.filter(request=req).values_list("code", flat=True)) == {"old_permit", "site_photo"}
    confirmation = client_c.get(done["Location"])
    page = text(confirmation)
    grouped = "-".join([req.tracking_code[:3], req.tracking_code[3:6], req.tracking_code[6:]])
    assert grouped in page and f'<bdi dir="ltr" class="code">{grouped}</bdi>' in html(confirmation)
    assert "درخواست شما ثبت شد" in page and "زمان پیش‌بینی‌شده پاسخ" in page and "پیامک ثبت درخواست" in page
    assert "۷ روز کاری" in page
    assert SmsMessage.objects.filter(mobile="09161234567").exists()
    # The draft and its files are gone; posting again makes no second request.
    again = client_c.post(check_url)
    assert again.status_code == 302 and again["Location"] == f"/services/my/{req.tracking_code}/done/"
    again = post_form(client_c, desk, key, files={"d-old_permit": pdf()})
    assert again.status_code == 302 and again["Location"] == f"/services/my/{req.tracking_code}/done/"
    assert ServiceRequest.objects.count() == 1


@pytest.mark.parametrize("field, value, message", [
    ("f-owner_code", "۰۰۱۲۳۴۵۶۷۸", "کد ملی"),
    ("f-postal_code", "۰۲۳۴۵۶۷۸۹۰", "کد پستی"),
    ("f-deed_date", "۱۴۰۲/۱۳/۴۰", "تاریخ"),
    ("f-contact_mobile", "۰۸۱۲۳", "تلفن همراه"),
    ("f-floors", "۴۵", "تعداد طبقات"),
    ("f-usage", "", "کاربری"),
    ("f-district", "منطقه ۹۹", "منطقه شهرداری"),
    ("f-parcel_number", "", "پلاک ثبتی"),
    ("mobile", "12345", "تلفن همراه"),
    ("applicant_name", "", "نام و نام خانوادگی"),
])
def test_bad_input_keeps_typed_values_and_uploaded_files(desk, client_c, field, value, message):
    key = open_form(client_c, desk)
    data = answers(**{field: value})
    response = post_form(client_c, desk, key, data, files={"d-old_permit": pdf("my-permit.pdf"),
                                                           "f-site_photo": png("front.png")})
    assert response.status_code == 400
    page = html(response)
    assert "لطفاً موارد زیر را درست کنید" in page and message in text(response)
    assert 'aria-invalid="true"' in page
    assert 'value="سارا شهروند"' in page or field == "applicant_name"
    assert "کار ساخت به علت کمبود مصالح عقب افتاد." in page  # the textarea kept
    if field != "f-parcel_number":
        assert 'value="۱۲۳/۴۵"' in page
    if value and field != "f-district":  # a value outside a list cannot be shown selected
        persian = value.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert f'value="{value}"' in page or f'value="{persian}"' in page
    # Both files were kept on the server: the form shows them and the next post needs no re-upload.
    assert "my-permit.pdf" in page and "front.png" in page
    fixed = post_form(client_c, desk, key, answers())
    assert fixed.status_code == 302, text(fixed)
    review = text(client_c.get(fixed["Location"]))
    assert "my-permit.pdf" in review and "front.png" in review
    client_c.post(fixed["Location"])
    req = ServiceRequest.objects.get()
    assert sorted(d.name for d in req.documents.all()) == ["front.png", "my-permit.pdf"]


def test_missing_required_document_then_added_later(desk, client_c):
    key = open_form(client_c, desk)
    response = post_form(client_c, desk, key, files={"f-site_photo": png()})
    assert response.status_code == 400
    assert "پروانه پیشین" in text(response) and "این مدرک لازم است" in text(response)
    assert 'id="d-old_permit-error"' in html(response)
    assert "site.png" in html(response)  # the other file was kept
    response = post_form(client_c, desk, key, files={"d-old_permit": pdf()})
    assert response.status_code == 302


def test_wrong_file_type_and_size_are_refused_and_not_kept(desk, client_c, settings):
    key = open_form(client_c, desk)
    exe = SimpleUploadedFile("permit.pdf", EXE_BYTES, content_type="application/pdf")  # disguised
    response = post_form(client_c, desk, key, files={"d-old_permit": exe, "f-site_photo": png()})
    assert response.status_code == 400
    assert "پروانه پیشین" in text(response)
    assert 'id="d-old_permit-kept"' not in html(response)  # the refused file is dropped
    assert 'id="f-site_photo-kept"' in html(response)
    # A PDF where only pictures are accepted.
    response = post_form(client_c, desk, key, files={"f-site_photo": pdf("photo.pdf"), "d-old_permit": pdf()})
    assert response.status_code == 400 and "عکس وضع موجود" in text(response)
    assert "permit.pdf" in html(response) and 'id="f-site_photo-kept"' not in html(response)
    # Larger than the field's 2 MB: refused at the edge, nothing stored.
    big = SimpleUploadedFile("big.png", PNG_BYTES + b"\x00" * (2 * 1024 * 1024 + 1), content_type="image/png")
    response = post_form(client_c, desk, key, files={"f-site_photo": big})
    assert response.status_code == 400 and "۲ مگابایت" in text(response)
    assert 'id="f-site_photo-kept"' not in html(response)
    assert post_form(client_c, desk, key, files={"f-site_photo": png()}).status_code == 302


def test_remove_a_kept_file(desk, client_c):
    key = open_form(client_c, desk)
    post_form(client_c, desk, key, answers(**{"f-usage": ""}), files={"d-old_permit": pdf(), "f-site_photo": png()})
    response = post_form(client_c, desk, key, {**answers(), "remove": "site_photo"})
    assert response.status_code == 200 and 'id="f-site_photo-kept"' not in html(response)
    assert 'id="d-old_permit-kept"' in html(response)


def test_changing_an_answer_from_the_check_page(desk, client_c):
    key = open_form(client_c, desk)
    check_url = post_form(client_c, desk, key, files={"d-old_permit": pdf()})["Location"]
    reopened = client_c.get(f"/services/{desk.service.code}/apply/?key={key}")
    assert reopened.status_code == 200 and 'value="۱۲۳/۴۵"' in html(reopened) and "permit.pdf" in html(reopened)
    assert post_form(client_c, desk, key, answers(**{"f-floors": "۵"}))["Location"] == check_url
    assert "۵" in text(client_c.get(check_url))


def test_check_page_needs_a_checked_draft(desk, client_c):
    assert client_c.get(f"/services/{desk.service.code}/apply/{'a' * 32}/check/").status_code == 302
    assert client_c.post(f"/services/{desk.service.code}/apply/{'a' * 32}/check/").status_code == 302
    assert client_c.get(f"/services/{desk.service.code}/apply/not-a-key/check/").status_code == 404
    key = open_form(client_c, desk)
    assert client_c.get(f"/services/{desk.service.code}/apply/{key}/check/").status_code == 302
    assert ServiceRequest.objects.count() == 0


def test_a_post_with_an_unknown_key_starts_a_fresh_form_without_500(desk, client_c):
    response = post_form(client_c, desk, "b" * 32)
    assert response.status_code == 400 and "نشست فرم پایان یافته بود" in text(response)
    response = client_c.post(f"/services/{desk.service.code}/apply/", {"submission_key": "<script>"})
    assert response.status_code == 400


def test_double_submission_makes_one_request(desk, client_c):
    key = open_form(client_c, desk)
    check_url = post_form(client_c, desk, key, files={"d-old_permit": pdf()})["Location"]
    first = client_c.post(check_url)
    second = client_c.post(check_url)
    assert first["Location"] == second["Location"]
    assert ServiceRequest.objects.count() == 1 and "پیش‌تر ثبت شده" in text(client_c.get(second["Location"]))


def test_fee_goes_to_the_bank_and_back_to_the_confirmation(client_c):
    desk = make_desk(code="paid-service", fee=120_000)
    c = citizen_client(desk.citizen)
    key = open_form(c, desk)
    check_url = post_form(c, desk, key, files={"d-old_permit": pdf()})["Location"]
    assert "تأیید و پرداخت" in text(c.get(check_url))
    to_bank = c.post(check_url)
    req = ServiceRequest.objects.get()
    assert req.status == RequestStatus.AWAITING_PAYMENT and req.letter is None
    assert "/payments/testbank/" in to_bank["Location"]
    # The payer cancels at the bank: the request stays unpaid and says so.
    back = c.post(to_bank["Location"], {"action": "cancel"})
    landed = c.get(back["Location"], follow=True)
    req.refresh_from_db()
    assert req.status == RequestStatus.AWAITING_PAYMENT and not req.paid
    assert "پرداخت انجام نشد" in text(landed) and "پرداخت ناموفق بود" in text(landed)
    # Pay again from the request page, with a test card this time.
    to_bank = c.post(f"/services/my/{req.tracking_code}/pay/")
    back = c.post(to_bank["Location"], {"card_number": "6037 9975 9919 9230"})
    assert back.status_code == 302, text(back)
    landed = c.get(back["Location"])
    assert landed.status_code == 302 and landed["Location"] == f"/services/my/{req.tracking_code}/done/"
    req.refresh_from_db()
    assert req.paid and req.status == RequestStatus.SUBMITTED and req.letter is not None
    assert "درخواست شما ثبت شد" in text(c.get(landed["Location"]))
    # Coming back twice does not count twice.
    c.get(back["Location"])
    assert req.events.filter(kind="paid").count() == 1
    assert c.post(f"/services/my/{req.tracking_code}/pay/")["Location"] == f"/services/my/{req.tracking_code}/"


# ---------------------------------------------------------------- the citizen's requests


def test_my_requests_and_request_page_timeline(desk, client_c):
    req = submit(desk)
    listing = client_c.get("/services/my/")
    assert listing.status_code == 200 and "تمدید پروانه ساختمان" in text(listing) and "ثبت شده" in text(listing)
    page = client_c.get(f"/services/my/{req.tracking_code}/")
    assert page.status_code == 200
    body = text(page)
    assert "روند درخواست" in body and "ثبت درخواست" in body and "بررسی کارشناس شهرسازی" in body
    assert re.search(r"۱۴\d\d/\d\d/\d\d".replace(r"\d", "[۰-۹]"), body)  # Jalali dates in Persian digits
    assert "لغو درخواست" in body and "شکایت درباره این درخواست" in body
    assert f"/services/complaints/new/?request={req.tracking_code}" in html(page)


def test_internal_notes_never_reach_the_citizen(desk, client_c):
    req = complete(desk, submit(desk))
    body = text(client_c.get(f"/services/my/{req.tracking_code}/"))
    assert "مدارک کامل است." in body  # the public note
    assert "درون‌سازمانی" not in body


def test_documents_requested_then_uploaded_on_the_request_page(desk, client_c):
    req = ask_documents(desk, submit(desk))
    page = client_c.get(f"/services/my/{req.tracking_code}/")
    assert "بارگذاری مدارک خواسته‌شده" in text(page) and 'name="d-deed"' in html(page)
    assert "تصویر سند مالکیت خواناتر بفرستید" in text(page)
    url = f"/services/my/{req.tracking_code}/documents/"
    nothing = client_c.post(url, {})
    assert nothing.status_code == 400 and "مدرک خواسته‌شده را انتخاب کنید" in text(nothing)
    bad = client_c.post(url, {"d-deed": SimpleUploadedFile("deed.pdf", EXE_BYTES)})
    assert bad.status_code == 400 and "سند مالکیت" in text(bad)
    ok = client_c.post(url, {"d-deed": pdf("deed.pdf")})
    assert ok.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.IN_PROGRESS and req.documents.filter(code="deed").exists()
    assert client_c.post(url, {"d-deed": pdf("deed.pdf")}).status_code == 302  # no longer waiting: told, no 500


def test_completed_request_offers_the_result_and_rating(desk, client_c):
    req = complete(desk, submit(desk))
    assert req.status == RequestStatus.COMPLETED
    page = client_c.get(f"/services/my/{req.tracking_code}/")
    body = text(page)
    assert "نتیجه آماده است" in body and "کد صحت‌سنجی" in body and "از این خدمت چقدر راضی بودید؟" in body
    assert "لغو درخواست" not in body
    assert re.search(r'href="/verify/[^"]+"', html(page))
    pdf_response = client_c.get(f"/services/my/{req.tracking_code}/result.pdf")
    assert pdf_response.status_code == 200 and pdf_response["Content-Type"] == "application/pdf"
    assert pdf_response.content.startswith(b"%PDF")
    rate = f"/services/my/{req.tracking_code}/rate/"
    for bad in ({}, {"score": "9"}, {"score": "x"}, {"score": "4", "comment": "x" * 3000}):
        response = client_c.post(rate, {**bad})
        assert response.status_code == 400, bad
        assert "امتیاز" in text(response) or "نظر شما" in text(response)
    kept = client_c.post(rate, {"comment": "خوب بود ولی دیر"})
    assert "خوب بود ولی دیر" in html(kept)
    assert client_c.post(rate, {"score": "۴", "comment": "سریع بود"}).status_code == 302
    assert Rating.objects.get(request=req).score == 4
    again = client_c.post(rate, {"score": "5"})
    assert again.status_code == 400 and "پیش‌تر" in text(again)
    assert "سریع بود" in text(client_c.get(f"/services/my/{req.tracking_code}/"))


def test_rejected_request_shows_the_reason(desk, client_c):
    req = reject(desk, submit(desk))
    body = text(client_c.get(f"/services/my/{req.tracking_code}/"))
    assert "رد شده" in body and "پلاک ثبتی با سند نمی‌خواند." in body
    assert client_c.get(f"/services/my/{req.tracking_code}/result.pdf").status_code == 404


def test_cancel_while_open(desk, client_c):
    req = submit(desk)
    assert client_c.get(f"/services/my/{req.tracking_code}/cancel/").status_code == 405
    response = client_c.post(f"/services/my/{req.tracking_code}/cancel/")
    assert response.status_code == 302
    req.refresh_from_db()
    assert req.status == RequestStatus.CANCELLED
    again = client_c.post(f"/services/my/{req.tracking_code}/cancel/", follow=True)
    assert "دیگر نمی‌توان لغو کرد" in text(again)


# ---------------------------------------------------------------- public tracking


def test_tracking_shows_status_only_with_both_numbers(client, desk):
    req = submit(desk)
    assert client.get("/services/track/").status_code == 200
    ok = client.post("/services/track/", {"tracking_code": req.tracking_code.translate(
        str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")), "national_code": desk.citizen.national_code})
    assert ok.status_code == 200
    body = text(ok)
    assert "تمدید پروانه ساختمان" in body and "روند درخواست" in body and "ثبت شده" in body
    assert "سارا" not in body and "۰۹۱۶" not in body  # nothing personal: no name, no mobile
    wrong_person = client.post("/services/track/", {"tracking_code": req.tracking_code,
                                                    "national_code": national_code(9_000_001)})
    assert wrong_person.status_code == 404 and "یافت نشد" in text(wrong_person)
    assert "تمدید پروانه ساختمان" not in text(wrong_person)


def test_tracking_refuses_a_mistyped_code_before_lookup(client, desk):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    req = submit(desk)
    typo = req.tracking_code[:-1] + str((int(req.tracking_code[-1]) + 1) % 10)
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/services/track/", {"tracking_code": typo, "national_code": desk.citizen.national_code})
    assert response.status_code == 400 and "کد رهگیری نادرست است" in text(response)
    assert not any("desk_servicerequest" in q["sql"] for q in ctx.captured_queries)
    bad_nc = client.post("/services/track/", {"tracking_code": req.tracking_code, "national_code": "۱۲۳"})
    assert bad_nc.status_code == 400 and "کد ملی" in text(bad_nc)
    assert 'value="' in html(bad_nc)
    empty = client.post("/services/track/", {})
    assert empty.status_code == 400 and "کد رهگیری را وارد کنید" in text(empty)


def test_tracking_is_rate_limited_with_a_persian_429(client, desk, settings):
    settings.DABIR_DESK_TRACK_RATE = (3, 300)
    from django.core.cache import cache

    cache.clear()
    for _ in range(3):
        assert client.post("/services/track/", {"tracking_code": "1234567890", "national_code": "1"}).status_code == 400
    limited = client.post("/services/track/", {"tracking_code": "1234567890", "national_code": "1"})
    assert limited.status_code == 429 and "از حد مجاز گذشته" in text(limited) and limited["Retry-After"]
    cache.clear()


# ---------------------------------------------------------------- complaints


def test_complaint_about_a_request(desk, client_c):
    req = submit(desk)
    form = client_c.get(f"/services/complaints/new/?request={req.tracking_code}")
    assert form.status_code == 200 and f'value="{req.tracking_code}" selected' in html(form)
    response = client_c.post("/services/complaints/new/", {
        "about": "request", "request_code": req.tracking_code, "text": "پس از دو هفته هنوز پاسخی نگرفته‌ام."})
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.request == req and complaint.letter is not None and complaint.agency == desk.world.agency
    page = client_c.get(response["Location"])
    assert page.status_code == 200 and "کد رهگیری شکایت" in text(page) and "ثبت شده" in text(page)
    assert "شکایت‌های من" in text(client_c.get("/services/my/"))
    stranger = citizen_client(make_citizen(seed=7_700_002, mobile="09351112244"))
    assert stranger.get(response["Location"]).status_code == 404


@pytest.mark.parametrize("data, message", [
    ({"about": "request", "text": "شکایت بدون درخواست برگزیده"}, "درخواستی را که از آن شکایت دارید برگزینید"),
    ({"about": "employee", "agency": "AGENCY", "text": "رفتار نامناسب کارمند باجه"}, "نام یا سمت کارمند"),
    ({"about": "agency", "text": "خدمت‌رسانی کند است و کسی پاسخ نمی‌دهد"}, "دستگاهی را که از آن شکایت دارید"),
    ({"about": "agency", "agency": "AGENCY", "text": "کوتاه"}, "شرح شکایت کوتاه است"),
    ({"about": "nonsense", "agency": "AGENCY", "text": "متن شکایت به اندازه کافی بلند"}, "موضوع شکایت را از فهرست"),
    ({"about": "agency", "agency": "999999", "text": "متن شکایت به اندازه کافی بلند"}, "دستگاه را از فهرست"),
    ({"about": "request", "request_code": "1234567890", "text": "متن شکایت به اندازه کافی"}, "درخواست را از فهرست"),
])
def test_complaint_form_errors_keep_the_text(desk, client_c, data, message):
    data = {k: (str(desk.world.agency.pk) if v == "AGENCY" else v) for k, v in data.items()}
    response = client_c.post("/services/complaints/new/", data)
    assert response.status_code == 400 and message in text(response)
    assert data["text"] in html(response)
    assert Complaint.objects.count() == 0


def test_complaint_about_the_agency(desk, client_c):
    response = client_c.post("/services/complaints/new/", {
        "about": "agency", "agency": desk.world.agency.pk, "text": "پاسخگویی تلفنی دستگاه بسیار کند است."})
    assert response.status_code == 302
    assert SmsMessage.objects.filter(kind__startswith="desk.complaint").exists()


# ---------------------------------------------------------------- never a 500


def test_garbage_never_gives_a_500(desk, client_c):
    req = submit(desk)
    urls = ["/services/", f"/services/{desk.service.code}/", "/services/track/", "/services/complaints/new/",
            f"/services/{desk.service.code}/apply/", f"/services/my/{req.tracking_code}/rate/",
            f"/services/my/{req.tracking_code}/documents/", "/services/my/%D9%A1%D9%A2/",
            f"/services/my/{req.tracking_code}/paid/?token=nope", "/services/complaints/12/"]
    junk = {"q": "\x00" * 3, "agency": "1e9", "category": "-1", "score": ["1", "2"], "text": "\x00",
            "tracking_code": "۱" * 500, "national_code": "\x00", "about": ["a", "b"], "submission_key": "0" * 32,
            "f-floors": "NaN", "f-deed_date": "99999/99/99", "mobile": "+98" * 30}
    for url in urls:
        for method in (client_c.get, client_c.post):
            response = method(url, junk)
            assert response.status_code < 500, (url, method.__name__, response.status_code)


def test_services_are_the_only_writers(desk, client_c):
    """A request made through the pages is the same as one made by the service (letter, referral, audit)."""
    key = open_form(client_c, desk)
    client_c.post(post_form(client_c, desk, key, files={"d-old_permit": pdf()})["Location"])
    req = ServiceRequest.objects.get()
    from dabir.core.models import AuditEntry

    assert AuditEntry.objects.filter(action="desk.request.submit").count() == 1
    assert req.letter.referrals.filter(to_position=desk.world.expert_pos).exists()
    assert services.PAYMENT_PURPOSE


def test_catalogue_pages_through_many_services(client, desk):
    # given thirty services of one agency
    for i in range(29):
        services.publish_service(user=None, definition=permit_definition(desk.world, code=f"svc-{i}"))
    # the first page shows 24 and says how many there are in all; the second shows the rest
    first = client.get("/services/")
    assert first.status_code == 200
    assert text(first).count("تمدید پروانه ساختمان") == 24 and "۳۰ خدمت" in text(first)
    assert "صفحه ۱ از ۲" in text(first)
    second = client.get("/services/", {"page": "2"})
    assert text(second).count("تمدید پروانه ساختمان") == 6
    # a page number past the end shows the last page, not an error
    assert client.get("/services/", {"page": "99"}).status_code == 200
