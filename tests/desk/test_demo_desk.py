"""The demo's service desk: the catalogue, desk settings, a citizen who signs in by SMS code, and
requests in every state made through the desk services (letters, referrals, SMS, audit)."""

import io

import pytest
from django.core.management import call_command

from dabir.accounts.models import User
from dabir.core.audit import verify
from dabir.core.validators import validate_mobile, validate_national_code
from dabir.demo import desk as desk_demo
from dabir.desk import selectors
from dabir.desk import services as desk_services
from dabir.desk.models import (
    Complaint,
    DeskProfile,
    Rating,
    RequestEvent,
    RequestStatus,
    Service,
    ServiceRequest,
)
from dabir.letters.models import Kind
from dabir.notify.models import SmsMessage
from dabir.orgs.models import Agency
from dabir.payments.models import Payment

pytestmark = pytest.mark.django_db

# The desk's own demo requests (the counter offices' demo files more, at counters: tests/counters).
DESK = ServiceRequest.objects.filter(counter__isnull=True)


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("demo", "--letters", "26", stdout=out)
    return out.getvalue()


def test_catalogue_and_desk_settings(demo):
    services = Service.objects.filter(active=True, current_version__isnull=False)
    assert services.count() >= 8
    assert services.values("agency").distinct().count() == 4
    # The four agencies with a service desk (the supervision demo adds agencies without one).
    assert DeskProfile.objects.count() == 4
    permit = Service.objects.get(code="sh-building-permit")
    assert permit.agency.name == "شهرداری اهواز" and permit.category.name == "شهرسازی و عمران"
    stages = [s["title"] for s in permit.current_version.definition["stages"]]
    assert stages == ["بررسی مدارک", "بازدید کارشناس", "کمیسیون ماده ۵", "تنظیم و صدور پروانه"]
    # Catalogue search uses the normalised text (Arabic yeh and kaf typed by the citizen still match).
    assert "sh-building-permit" in {s.code for s in selectors.catalogue("پروانه ساختماني")}
    assert {s.code for s in selectors.catalogue("شناسنامه")} >= {"sa-duplicate-id", "sa-birth-registration"}


def test_requests_in_every_state_through_the_services(demo):
    statuses = set(DESK.values_list("status", flat=True))
    assert statuses == set(RequestStatus.values)
    in_progress = DESK.filter(status=RequestStatus.IN_PROGRESS)
    assert len(set(in_progress.values_list("stage_code", flat=True))) >= 3  # at various stages
    for req in DESK.exclude(status__in=[RequestStatus.AWAITING_PAYMENT]):
        if req.status == RequestStatus.CANCELLED and req.letter_id is None:
            continue
        assert req.letter.kind == Kind.INCOMING and req.letter.number, req
        assert req.events.filter(kind=RequestEvent.Kind.SUBMITTED).exists()
        assert SmsMessage.objects.filter(related=f"desk.request:{req.pk}").exists()
    unpaid = DESK.get(status=RequestStatus.AWAITING_PAYMENT)
    assert unpaid.fee_rials > 0 and not unpaid.paid and unpaid.letter is None
    paid = DESK.filter(paid=True)
    assert paid.count() >= 1
    assert Payment.objects.filter(status="paid", purpose=desk_services.PAYMENT_PURPOSE).count() == paid.count()
    completed = DESK.filter(status=RequestStatus.COMPLETED)
    assert completed.count() >= 2
    for req in completed:
        assert req.result_letter.number and selectors.result_pdf(req) is not None
    rejected = DESK.filter(status=RequestStatus.REJECTED)
    assert rejected.exists() and all(req.rejection_reason for req in rejected)
    assert DESK.filter(status=RequestStatus.AWAITING_DOCUMENTS).get().requested_documents
    assert Rating.objects.count() == 2
    assert Complaint.objects.count() == 2
    assert Complaint.objects.filter(status=Complaint.Status.ANSWERED).count() == 1
    # One request is late, so the agency's late list is not empty.
    assert selectors.late_requests(Agency.objects.get(name="شهرداری اهواز")).exists()
    # The business licence's identity stage asked the civil registry through the exchange.
    licences = DESK.filter(service__code="sh-business-licence").exclude(letter=None)
    moved = licences.get(stage_code="intake")  # matched: moved on by itself once the answer came back
    assert moved.events.filter(kind=RequestEvent.Kind.STAGE, stage_code="intake", public=True).exists()
    held = licences.get(stage_code="identity")  # the birth date did not match: waiting for the expert
    assert "نیاز به بررسی کارشناس" in held.events.filter(public=False).last().note
    assert "همخوان نبود" in held.events.filter(public=True).last().note
    assert verify().ok  # the audit chain holds


def test_citizen_account_and_table(demo):
    nc, mobile = desk_demo.CITIZEN["national_code"], desk_demo.CITIZEN["mobile"]
    assert validate_national_code(nc) == nc and validate_mobile(mobile) == mobile and mobile.startswith("0912")
    citizen = User.objects.get(username=f"c{nc}")
    assert citizen.is_citizen and not citizen.has_usable_password()
    mine = selectors.requests_of(citizen)
    assert mine.count() >= 6
    assert set(mine.values_list("status", flat=True)) >= {
        RequestStatus.AWAITING_PAYMENT, RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS,
        RequestStatus.COMPLETED, RequestStatus.REJECTED, RequestStatus.CANCELLED, RequestStatus.AWAITING_DOCUMENTS,
    }
    # The account table names the citizen and where the SMS code shows up.
    assert f"c{nc}" in demo and nc in demo and mobile in demo and "/notify/outbox/" in demo
    for username in desk_demo.PEOPLE:
        assert username in demo


def test_citizen_signs_in_with_the_code_from_the_outbox(demo, client):
    nc, mobile = desk_demo.CITIZEN["national_code"], desk_demo.CITIZEN["mobile"]
    from dabir.accounts import services as accounts

    accounts.request_otp(national_code=nc, mobile=mobile, ip="127.0.0.1")
    sms = SmsMessage.objects.filter(mobile=mobile).latest("id")
    code = "".join(ch for ch in sms.text if ch.isdigit())[:6]
    user = accounts.verify_otp(national_code=nc, mobile=mobile, code=code)
    assert user.username == f"c{nc}"
    client.force_login(user)
    response = client.get("/services/my/")
    assert response.status_code == 200
    permit = DESK.get(service__code="sh-building-permit")
    assert permit.tracking_code in response.content.decode() or permit.get_status_display() in response.content.decode()

