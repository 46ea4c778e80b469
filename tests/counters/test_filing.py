"""The operator's desk against the real database: consent by SMS code, a request filed with the fees in
force, the card reader, refusals that write nothing."""

import pytest

from dabir.core.errors import DomainError, NotAllowed
from dabir.counters import services
from dabir.counters.models import LicenceState, Submission, Visit
from dabir.desk.models import Channel, RequestStatus, ServiceRequest
from dabir.letters.services import Upload
from dabir.notify.models import SmsMessage
from dabir.payments.models import Payment
from tests.factories import PDF_BYTES

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, consent_code

pytestmark = pytest.mark.django_db

ANSWERS = {"parcel": "12/345", "area": "120", "use": "مسکونی"}


def uploads():
    return {"deed": [Upload(name="sanad.pdf", content=PDF_BYTES)]}


def verified_visit(counter) -> Visit:
    visit = services.start_visit(user=counter.operator, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE,
                                 name="مریم کریمی")
    return services.verify_visit(user=counter.operator, visit=visit, code=consent_code(visit))


def test_consent_code_goes_to_the_citizens_mobile(counter):
    visit = services.start_visit(user=counter.operator, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE)
    sms = SmsMessage.objects.get(related=f"counters.visit:{visit.pk}")
    assert sms.mobile == CITIZEN_MOBILE and counter.office.name in sms.text
    with pytest.raises(DomainError):
        services.verify_visit(user=counter.operator, visit=visit, code="000000" if consent_code(visit) != "000000" else "1")
    assert Visit.objects.get(pk=visit.pk).verified_at is None


def test_request_filed_at_the_counter_flows_to_the_agency_with_the_office(counter):
    visit = verified_visit(counter)
    sub = services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                  uploads=uploads(), submission_key="k1", expected_total="۲۵٬۰۰۰")
    req = ServiceRequest.objects.get(pk=sub.request_id)
    assert req.channel == Channel.COUNTER and req.letter_id and req.status == RequestStatus.SUBMITTED
    assert counter.office.name in req.events.get(kind="submitted").note
    assert (sub.agency_fee_rials, sub.counter_fee_rials, sub.total_rials) == (0, 25_000, 25_000)
    assert sub.state == Submission.State.AWAITING_PAYMENT
    paid = services.pay_by_card(user=counter.operator, submission=sub, reference="۱۲۳۴۵۶۷۸", card_mask="6037-****-1234")
    assert paid.state == Submission.State.PAID and paid.method == "card" and paid.month
    assert Payment.objects.get(pk=paid.payment_id).amount_rials == 25_000
    # the same form again: the first submission, nothing new
    again = services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                    uploads=uploads(), submission_key="k1")
    assert again.pk == sub.pk and Submission.objects.count() == 1 and ServiceRequest.objects.count() == 1


def test_agency_fee_is_registered_once_paid_at_the_card_reader(counter):
    counter.service.current_version.definition["fees"] = {"counter": 100_000}
    counter.service.current_version.save()
    visit = verified_visit(counter)
    sub = services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                  uploads=uploads())
    assert sub.total_rials == 125_000
    req = ServiceRequest.objects.get(pk=sub.request_id)
    assert req.status == RequestStatus.AWAITING_PAYMENT and req.letter_id is None
    services.pay_by_card(user=counter.operator, submission=sub, reference="99887766")
    req.refresh_from_db()
    assert req.paid and req.letter_id and req.status == RequestStatus.SUBMITTED


@pytest.mark.parametrize("state", [LicenceState.SUSPENDED, LicenceState.REVOKED, LicenceState.EXPIRED])
def test_an_inactive_office_is_refused_mid_filing_and_nothing_is_written(counter, state):
    visit = verified_visit(counter)
    counter.office.state = state
    counter.office.save()
    with pytest.raises(NotAllowed) as refused:
        services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                uploads=uploads())
    assert counter.office.name in refused.value.message
    assert not ServiceRequest.objects.exists() and not Submission.objects.exists()


def test_tampered_or_negative_total_writes_nothing(counter):
    visit = verified_visit(counter)
    for shown, message in [("1000", "۲۵٬۰۰۰"), ("-25000", "منفی")]:
        with pytest.raises(DomainError) as refused:
            services.submit_request(user=counter.operator, visit=visit, service=counter.service, data=ANSWERS,
                                    uploads=uploads(), expected_total=shown)
        assert message in refused.value.message.replace(",", "٬")
    assert not ServiceRequest.objects.exists() and not Submission.objects.exists()
