"""Letters filed at the counter against the real database: filed for a verified citizen with scans, the
fee in force and an SMS; registered (or returned) by a clerk of the agency's secretariat as an incoming
letter «دفتر پیشخوان»; answered by a reply dispatched «دفتر پیشخوان»; refusals that write nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import persian as fa
from dabir.counters import services
from dabir.counters.models import CounterLetter, LetterScan, LicenceState, Submission
from dabir.desk import codes
from dabir.letters import services as letters
from dabir.letters.models import Attachment, Channel, Kind, Letter, Link, Referral
from dabir.letters.services import ReferralSpec, Upload
from dabir.notify.models import SmsMessage
from dabir.orgs.models import Agency, Secretariat
from tests.factories import EXE_BYTES, JPEG_BYTES, PDF_BYTES, ZIP_BYTES, make_draft, make_user, make_world

from .conftest import CITIZEN_MOBILE, CITIZEN_NC, make_office, make_staff
from .test_filing import verified_visit

pytestmark = pytest.mark.django_db


def scans(*contents):
    return [Upload(name=f"letter{i}.pdf" if c.startswith(b"%PDF") else f"scan{i}.jpg", content=c)
            for i, c in enumerate(contents or [PDF_BYTES])]


def file(counter, visit=None, **overrides) -> CounterLetter:
    kwargs = dict(user=counter.operator, visit=visit or verified_visit(counter), agency=counter.world.agency,
                  subject="درخواست مرمت راه روستا", text="راه روستای ما خراب است.\nلطفاً رسیدگی کنید.", scans=scans())
    kwargs.update(overrides)
    return services.file_letter(**kwargs)


def sms_texts(counter_letter) -> list[str]:
    return list(SmsMessage.objects.filter(related=f"counters.letter:{counter_letter.pk}").order_by("id")
                .values_list("text", flat=True))


def nothing_written():
    return CounterLetter.objects.count() == 0 and Submission.objects.count() == 0 and LetterScan.objects.count() == 0


def register(counter, counter_letter, **overrides):
    world = counter.world
    kwargs = dict(user=world.clerk, counter_letter=counter_letter, refer_to=world.expert_pos, note="بررسی و پاسخ",
                  seat=world.seat(world.clerk_pos))
    kwargs.update(overrides)
    return services.register_counter_letter(**kwargs)


# ---------------------------------------------------------------- filing at the counter


def test_a_letter_is_filed_with_scans_the_fee_in_force_and_an_sms(counter):
    cl = file(counter, scans=scans(PDF_BYTES, JPEG_BYTES), submission_key="L1", expected_total="۱۵٬۰۰۰")
    assert cl.state == CounterLetter.State.SENT and cl.office == counter.office
    assert cl.secretariat == counter.world.secretariat and cl.agency == counter.world.agency
    assert codes.is_valid(cl.tracking_code) and codes.is_counter_letter_code(cl.tracking_code)
    assert (cl.national_code, cl.mobile, cl.citizen_name) == (CITIZEN_NC, CITIZEN_MOBILE, "مریم کریمی")
    assert [s.content_type for s in cl.scans.all()] == ["application/pdf", "image/jpeg"]
    assert cl.scans.first().file.read() == PDF_BYTES
    sub = Submission.objects.get(counter_letter=cl)
    assert sub.kind == Submission.Kind.LETTER and sub.tracking_code == cl.tracking_code and sub.service is None
    assert (sub.agency_fee_rials, sub.counter_fee_rials, sub.total_rials) == (0, 15_000, 15_000)
    assert sub.state == Submission.State.AWAITING_PAYMENT and sub.schedule == counter.schedule
    [text] = sms_texts(cl)
    assert codes.display(cl.tracking_code) in text and fa(counter.world.agency.name) in text
    assert counter.office.name in text
    # the office's fee is taken at the card reader like any submission
    paid = services.pay_by_card(user=counter.operator, submission=sub, reference="55443322")
    assert paid.state == Submission.State.PAID and paid.total_rials == 15_000


def test_the_same_form_twice_files_one_letter(counter):
    visit = verified_visit(counter)
    first = file(counter, visit=visit, submission_key="same-key")
    again = file(counter, visit=visit, submission_key="same-key", subject="موضوعی دیگر")
    assert again.pk == first.pk
    assert CounterLetter.objects.count() == 1 and Submission.objects.count() == 1 and len(sms_texts(first)) == 1


def test_a_key_used_by_another_office_is_refused(counter):
    file(counter, submission_key="shared")
    other = make_office("21002", name="دفتر دوم")
    operator2 = make_staff(other, "second.operator")
    visit = services.start_visit(user=operator2, national_code=CITIZEN_NC, mobile="09171234567", name="علی")
    from .conftest import consent_code

    visit = services.verify_visit(user=operator2, visit=visit, code=consent_code(visit))
    with pytest.raises(Conflict):
        services.file_letter(user=operator2, visit=visit, agency=counter.world.agency, subject="x", scans=scans(),
                             submission_key="shared")
    assert CounterLetter.objects.count() == 1


def test_a_free_letter_is_settled_at_once(counter):
    type(counter.schedule).objects.filter(pk=counter.schedule.pk).update(letter_fee_rials=0)  # (approved: by hand)
    cl = file(counter)
    sub = Submission.objects.get(counter_letter=cl)
    assert sub.total_rials == 0 and sub.state == Submission.State.PAID and sub.method == "none"


def test_the_desk_secretariat_is_preferred_else_the_first(counter):
    world = counter.world
    Secretariat.objects.create(agency=world.agency, name="دبیرخانه دوم", code="D2")
    visit = verified_visit(counter)
    assert file(counter, visit=visit).secretariat == world.secretariat  # the desk's (DeskProfile)
    bare = make_world("سازمان بی‌میز")
    cl = file(counter, visit=visit, agency=bare.agency)
    assert cl.secretariat == bare.secretariat


def test_an_unverified_visit_is_refused_and_nothing_written(counter):
    visit = services.start_visit(user=counter.operator, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE, name="م")
    with pytest.raises(DomainError) as refused:
        file(counter, visit=visit)
    assert "تأیید" in refused.value.message and refused.value.code == "unverified"
    assert nothing_written()


def test_a_stale_visit_is_refused(counter):
    visit = verified_visit(counter)
    visit.verified_at = timezone.now() - dt.timedelta(hours=3)
    visit.save()
    with pytest.raises(DomainError) as refused:
        file(counter, visit=visit)
    assert refused.value.code == "visit_expired" and nothing_written()


def test_no_scans_is_refused(counter):
    with pytest.raises(DomainError) as refused:
        file(counter, scans=[])
    assert refused.value.field == "scans" and "اسکن" in refused.value.message and nothing_written()


@pytest.mark.parametrize("name,content,code", [
    ("letter.pdf", b"%PDF-1.4 not really a pdf", None),  # claims PDF, does not parse
    ("letter.pdf", EXE_BYTES, "disguised_file"),
    ("letter.zip", ZIP_BYTES, None),
    ("letter.docx", None, "scan_type"),
])
def test_a_scan_that_is_not_a_pdf_or_image_is_refused(counter, name, content, code):
    if content is None:  # a whole Word document: a real file, yet not a scan
        import io
        import zipfile

        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<document/>")
        content = out.getvalue()
    with pytest.raises(DomainError) as refused:
        file(counter, scans=[Upload(name=name, content=content)])
    assert refused.value.field == "scans" and "«" in refused.value.message
    if code:
        assert refused.value.code == code
    assert nothing_written()


def test_an_agency_without_a_secretariat_is_refused(counter):
    bare = Agency.objects.create(name="اداره بی‌دبیرخانه", code="NOSEC", province="خوزستان")
    with pytest.raises(DomainError) as refused:
        file(counter, agency=bare)
    assert refused.value.field == "agency" and "دبیرخانه" in refused.value.message and nothing_written()


@pytest.mark.parametrize("overrides,field", [
    ({"subject": "  "}, "subject"),
    ({"subject": "ب" * 501}, "subject"),
    ({"text": "x\x00y"}, "text"),
    ({"agency": None}, "agency"),
    ({"agency": 999999}, "agency"),
    ({"expected_total": "۱۰٬۰۰۰"}, "expected_total"),
    ({"expected_total": "-15000"}, "expected_total"),
    ({"expected_total": "پانزده"}, "expected_total"),
])
def test_bad_inputs_get_a_persian_message_and_write_nothing(counter, overrides, field):
    with pytest.raises(DomainError) as refused:
        file(counter, **overrides)
    assert refused.value.field == field and refused.value.message
    assert nothing_written()


def test_a_citizen_without_a_name_needs_one(counter):
    visit = services.start_visit(user=counter.operator, national_code=CITIZEN_NC, mobile=CITIZEN_MOBILE)
    from .conftest import consent_code

    visit = services.verify_visit(user=counter.operator, visit=visit, code=consent_code(visit))
    with pytest.raises(DomainError) as refused:
        file(counter, visit=visit)
    assert refused.value.field == "citizen_name" and nothing_written()
    assert file(counter, visit=visit, citizen_name="حسن نامدار").citizen_name == "حسن نامدار"


def test_another_offices_visit_is_not_found(counter):
    visit = verified_visit(counter)
    other = make_office("21002", name="دفتر دوم")
    operator2 = make_staff(other, "second.operator")
    with pytest.raises(NotFound):
        file(counter, user=operator2, visit=visit)
    assert nothing_written()


@pytest.mark.parametrize("state", [LicenceState.SUSPENDED, LicenceState.REVOKED, LicenceState.EXPIRED])
def test_an_inactive_office_cannot_file_a_letter(counter, state):
    visit = verified_visit(counter)
    counter.office.state = state
    counter.office.save()
    with pytest.raises(NotAllowed) as refused:
        file(counter, visit=visit)
    assert counter.office.name in refused.value.message and nothing_written()


def test_someone_not_bound_to_an_office_cannot_file(counter):
    visit = verified_visit(counter)
    with pytest.raises(NotAllowed):
        file(counter, user=counter.world.clerk, visit=visit)
    assert nothing_written()


# ---------------------------------------------------------------- the agency's secretariat


def test_the_clerk_registers_it_as_an_incoming_letter_referred_and_the_citizen_is_told(counter):
    world = counter.world
    cl = file(counter, scans=scans(PDF_BYTES, JPEG_BYTES))
    cl = register(counter, cl)
    assert cl.state == CounterLetter.State.REGISTERED and cl.registered_at
    letter = Letter.objects.get(pk=cl.letter_id)
    assert letter.kind == Kind.INCOMING and letter.channel == Channel.COUNTER and letter.number
    assert letter.secretariat == world.secretariat and letter.sender_name == "مریم کریمی"
    assert letter.sender_number == cl.tracking_code and letter.subject == cl.subject
    assert counter.office.name in letter.body and "راه روستای ما خراب است" in letter.body
    assert CITIZEN_NC not in letter.body  # the national code is masked in the body (the panel shows it)
    atts = list(Attachment.objects.filter(letter=letter).order_by("id"))
    assert [a.is_scan for a in atts] == [True, True] and atts[0].sha256 == cl.scans.first().sha256
    ref = Referral.objects.get(letter=letter)
    assert ref.to_position == world.expert_pos and ref.note == "بررسی و پاسخ"
    sent, registered = sms_texts(cl)
    from dabir.core.text import ltr_number

    assert ltr_number(letter.number) in registered and fa(world.agency.name) in registered
    assert codes.display(cl.tracking_code) in registered


def test_referral_specs_are_accepted_too(counter):
    world = counter.world
    cl = register(counter, file(counter), refer_to=[ReferralSpec(world.expert_pos.id), ReferralSpec(world.other_pos.id,
                                                                                                   action="information")])
    assert Referral.objects.filter(letter_id=cl.letter_id).count() == 2


def test_registering_twice_is_a_conflict(counter):
    cl = register(counter, file(counter))
    with pytest.raises(Conflict):
        register(counter, cl)
    assert Letter.objects.filter(kind=Kind.INCOMING).count() == 1


def test_a_non_clerk_cannot_register_or_return(counter):
    cl = file(counter)
    outsider = make_world("دستگاه دیگر")
    for user in (counter.world.expert, counter.operator, outsider.clerk, counter.regulator):
        with pytest.raises(NotAllowed):
            register(counter, cl, user=user, seat=None)
        with pytest.raises(NotAllowed):
            services.return_counter_letter(user=user, counter_letter=cl, reason="ناخوانا")
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.SENT and Letter.objects.count() == 0 and len(sms_texts(cl)) == 1


@pytest.mark.parametrize("refer_to", [[], None, "outside"])
def test_a_first_referral_inside_the_agency_is_required(counter, refer_to):
    cl = file(counter)
    if refer_to == "outside":
        refer_to = make_world("دستگاه دیگر").expert_pos
    with pytest.raises(DomainError) as refused:
        register(counter, cl, refer_to=refer_to)
    assert refused.value.field == "refer_to"
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.SENT and Letter.objects.count() == 0


def test_the_clerk_returns_it_with_a_reason(counter):
    cl = file(counter)
    cl = services.return_counter_letter(user=counter.world.clerk, counter_letter=cl, reason="اسکن نامه ناخواناست.")
    assert cl.state == CounterLetter.State.RETURNED and cl.return_reason == "اسکن نامه ناخواناست."
    assert "اسکن نامه ناخواناست." in sms_texts(cl)[-1]
    with pytest.raises(Conflict):
        register(counter, cl)
    with pytest.raises(DomainError):
        services.return_counter_letter(user=counter.world.clerk, counter_letter=file(counter), reason=" ")


# ---------------------------------------------------------------- the answer


def reply_to(counter, incoming: Letter, *, dispatch_by=Channel.COUNTER, link="replies") -> Letter:
    world = counter.world
    draft = make_draft(world, kind="outgoing", to=[incoming.sender_name], subject=f"پاسخ: {incoming.subject}",
                       links=[(incoming.id, link)])
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=draft)
    letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=draft)
    letters.register_letter(user=world.clerk, letter=draft)
    letters.dispatch(user=world.clerk, letter=draft, channel=dispatch_by)
    draft.refresh_from_db()
    return draft


def test_a_reply_dispatched_at_the_counter_answers_the_citizen(counter):
    cl = register(counter, file(counter))
    answer = reply_to(counter, cl.letter)
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.ANSWERED and cl.answer == answer and cl.answered_at
    text = sms_texts(cl)[-1]
    assert counter.office.name in text and fa(counter.office.address) in text and "پاسخ" in text
    assert codes.display(cl.tracking_code) in text


def test_a_reply_by_another_channel_or_a_follow_up_does_not_answer(counter):
    cl = register(counter, file(counter))
    reply_to(counter, cl.letter, dispatch_by=Channel.POST)
    reply_to(counter, cl.letter, link="follows")
    cl.refresh_from_db()
    assert cl.state == CounterLetter.State.REGISTERED and cl.answer is None and len(sms_texts(cl)) == 2


def test_a_letter_handed_over_at_a_counter_with_no_counter_letter_is_just_dispatched(counter):
    world = counter.world
    incoming = letters.register_incoming(user=world.clerk, secretariat=world.secretariat, subject="نامه کاغذی",
                                         sender_name="شهرداری", channel="post", refer_to=[ReferralSpec(world.expert_pos.id)])
    answer = reply_to(counter, incoming)
    assert answer.status == "dispatched" and answer.channel == Channel.COUNTER
    assert not CounterLetter.objects.exists() and not SmsMessage.objects.filter(kind__startswith="counters.").exists()


def test_the_panel_shows_the_office_and_the_citizen(counter):
    from dabir.counters.letter_panel import counter_letter_panel, has_counter_letter

    cl = register(counter, file(counter))
    incoming = cl.letter
    assert has_counter_letter(incoming)
    assert counter_letter_panel({}, incoming)["counter_letters"] == [cl]
    other = letters.register_incoming(user=counter.world.clerk, secretariat=counter.world.secretariat, subject="x",
                                      sender_name="y", channel="post")
    assert not has_counter_letter(other)
    answer = reply_to(counter, incoming)
    assert has_counter_letter(answer)
    assert Link.objects.filter(letter=answer, target=incoming).exists()


def test_scans_and_sms_of_a_counter_letter_stay_with_the_citizen(counter):
    """Audit entries are written for each step (the registry checks every action is declared)."""
    from dabir.core.models import AuditEntry

    cl = register(counter, file(counter))
    reply_to(counter, cl.letter)
    actions = set(AuditEntry.objects.filter(object_id=str(cl.pk), object_type__contains="counterletter")
                  .values_list("action", flat=True))
    assert {"counters.letter.file", "counters.letter.register", "counters.letter.answer"} <= actions


def test_new_users_are_not_clerks(counter):
    cl = file(counter)
    stranger = make_user("stranger")
    with pytest.raises(NotAllowed):
        services.return_counter_letter(user=stranger, counter_letter=cl, reason="x")
