"""The contract tests' world: a confidential letter with everything that hangs off it, the people
who must never read it, and the values that fill every URL parameter.

The secret letter is signed digitally, numbered in a series of its own (so its number is found
nowhere else), referred with a margin note, printed, filed, linked from a letter its outsider
may read, and a citizen's request whose letter is confidential too.
"""

import datetime as dt
from dataclasses import dataclass, field

from dabir.accounts.services import request_otp
from dabir.core.models import Holiday
from dabir.core.text import to_persian_digits
from dabir.desk.models import Complaint, ServiceRequest
from dabir.letters import services as letters
from dabir.letters.models import Attachment, Classification, Link, PrintRecord, Referral
from dabir.orgs.services import make_agency_admin
from dabir.signing import services as signing
from dabir.signing.models import Certificate, LetterVersion, Signature, SigningStep
from tests.desk.pages_fixtures import Desk, answers, form_data, make_citizen, make_desk
from tests.factories import make_png, make_position, make_registered, make_user

SUBJECT = "مناقصه محرمانه پالایشگاه کرانه"
BODY = "برآورد پنهان نودوهفت میلیارد ریالی"
ATTACHMENT = "برآورد-محرمانه-کرانه.pdf"
MARGIN_NOTE = "هامش پنهان درباره کرانه"
DESK_SUBJECT = "پرونده محرمانه شکایت زرین‌دشت"
DESK_BODY = "گزارش پنهان بازرسی زرین‌دشت"


@dataclass
class Scene:
    desk: Desk
    secret: object  # the confidential letter
    linking: object  # an unclassified letter the outsider receives, which follows the secret one
    request: ServiceRequest  # a citizen's request whose own letter is confidential
    complaint: Complaint
    outsider: object
    agency_admin: object
    citizen: object
    markers: list[str] = field(default_factory=list)
    objects: dict = field(default_factory=dict)

    @property
    def world(self):
        return self.desk.world


def whole_pdf() -> bytes:
    """A one-page PDF that parses as a whole (uploads are checked by parsing)."""
    import io

    from pypdf import PdfWriter

    writer, out = PdfWriter(), io.BytesIO()
    writer.add_blank_page(width=200, height=200)
    writer.write(out)
    return out.getvalue()


def number_forms(number: str) -> list[str]:
    """The number as stored and in Persian digits (pages show it that way)."""
    return sorted({number, to_persian_digits(number)})


def send_across(w) -> dict:
    """A confidential letter with the secret's words sent electronically to another agency, and an
    inquiry asked of it: the message log, the inquiry pages and the exchange admin are walked too."""
    from dabir.exchange import services as exchange
    from dabir.exchange.envelope import Refused
    from dabir.exchange.models import (
        Arrival,
        Credential,
        Delivery,
        Inquiry,
        InquiryType,
        Message,
        Refusal,
        Transfer,
    )
    from tests.factories import make_world

    other = make_world("شهرداری همسایه")
    member, their = exchange.join_agency(agency=w.agency), exchange.join_agency(agency=other.agency)
    letter = make_registered(w, kind="outgoing", subject=SUBJECT, body=f"<p>{BODY}</p>", to=[other.agency.name],
                             classification=Classification.CONFIDENTIAL)
    letters.dispatch(user=w.clerk, letter=letter, channel="network")
    schema = {"type": "object", "properties": {"code": {"type": "string", "title": "کد"}}}
    kind = InquiryType.objects.create(code="scene-check", name="استعلام صحنه", member=their, question_schema=schema,
                                      answer_schema=schema)
    exchange.ask(user=w.clerk, agency=w.agency, inquiry_type=kind, question={"code": "1"}, letter=letter)
    for _ in range(5):  # as the worker would, until nothing is due
        for pk in Transfer.objects.filter(state__in=["queued", "sent"]).values_list("pk", flat=True):
            exchange.attempt(pk)
    try:
        exchange.receive(b"<not-a-message/>", address="192.0.2.1")
    except Refused:
        pass
    return {"member": member, "credential": Credential.objects.filter(member=member).first(),
            "message": Message.objects.filter(kind="letter").first(), "transfer": Transfer.objects.first(),
            "delivery": Delivery.objects.filter(letter=letter).first(), "arrival": Arrival.objects.first(),
            "inquiry": Inquiry.objects.first(), "inquiry_type": kind, "refusal": Refusal.objects.first()}


def counter_rows(w, desk, request) -> dict:
    """A counter office's rows of every kind, about the scene's confidential request: its filing at the
    counter, a citizen's letter registered as the secret letter's sibling, the office's history."""
    from dabir.counters import models as C

    today = dt.date.today()
    office = C.Office.objects.create(
        code="39001", name="دفتر پیشخوان صحنه", province="خوزستان", city="اهواز", address="اهواز",
        licence_number="L-39001", holder_name="دارنده", holder_id="1234567891",
        licence_issued_on=today - dt.timedelta(days=30), licence_expires_on=today + dt.timedelta(days=300))
    operator = make_user(first_name="کاربر", last_name="باجه")
    staff = C.Staff.objects.create(office=office, user=operator)
    C.Regulator.objects.create(user=make_user(first_name="ناظر", last_name="استان"), province="خوزستان")
    C.CounterService.objects.create(service=desk.service, offered=True)
    schedule = C.FeeSchedule.objects.create(year=1405)
    C.Fee.objects.create(schedule=schedule, service=desk.service, counter_fee_rials=25_000)
    visit = C.Visit.objects.create(office=office, operator=operator, national_code=request.national_code,
                                   mobile=request.mobile)
    submission = C.Submission.objects.create(
        office=office, operator=operator, agency=w.agency, kind="request", service=desk.service, request=request,
        visit=visit, tracking_code=request.tracking_code, national_code=request.national_code)
    letter = C.CounterLetter.objects.create(
        tracking_code="8000000001", office=office, operator=operator, agency=w.agency, secretariat=w.secretariat,
        national_code=request.national_code, mobile=request.mobile, citizen_name="سارا شهروند",
        subject="نامه شهروند", letter=request.letter)
    C.LetterScan.objects.create(counter_letter=letter, name="scan.pdf", file="counters/00/scan", content_type="application/pdf",
                                size=1, sha256="0" * 64)
    return {
        "office": office, "staff": staff, "visit": visit, "submission": submission, "counter_letter": letter,
        "office_event": C.OfficeEvent.objects.create(office=office, kind="created"),
        "renewal": C.Renewal.objects.create(office=office, previous_expiry=today, new_expiry=today,
                                            licence_value_rials=1, share_percent=10, fee_rials=0),
        "close": C.SettlementClose.objects.create(province="خوزستان", month=140001, digest="0" * 64,
                                                  closed_by=operator),
        "office_complaint": C.OfficeComplaint.objects.create(tracking_code="9000000001", office=office,
                                                             national_code=request.national_code,
                                                             mobile=request.mobile, text="شکایت"),
    }


def stats_rows(w, secret) -> dict:
    """Supervision's rows of every kind; the evaluation's letter is the secret letter, so the evaluation
    pages are checked for never naming it to someone outside its chain."""
    from dabir.stats import models as S

    supervisor = S.Supervisor.objects.create(user=make_user(first_name="ناظر", last_name="صحنه"),
                                             province="خوزستان", office=w.agency)
    questionnaire = S.Questionnaire.objects.create(office=w.agency, province="خوزستان", title="ارزیابی صحنه",
                                                   period="1405", state="sent", created_by=supervisor.user)
    question = S.Question.objects.create(questionnaire=questionnaire, text="سهم وارده الکترونیکی؟",
                                         kind="percent", figure="in_electronic_share")
    evaluation = S.Evaluation.objects.create(questionnaire=questionnaire, agency=w.agency, letter=secret)
    return {
        "supervisor": supervisor, "weights": S.IndexWeights.objects.create(province="خوزستان"),
        "questionnaire": questionnaire, "question": question, "evaluation": evaluation,
        "answer": S.Answer.objects.create(evaluation=evaluation, question=question, value="90"),
        "field_visit": S.FieldVisit.objects.create(evaluation=evaluation, inspector=supervisor.user,
                                                   visited_on=dt.date.today(), score=50, findings="یافته"),
        "action_item": S.ActionItem.objects.create(evaluation=evaluation, text="اقدام"),
    }


def channels_rows(w, secret) -> dict:
    """The channels' rows of every kind, each tied to the secret letter: the e-mail that became it
    (its subject and file name are the letter's), its e-mail transmission and its post line."""
    from django.core.files.base import ContentFile

    from dabir.channels import models as Ch

    mailbox = Ch.Mailbox.objects.create(secretariat=w.secretariat, name="صندوق صحنه", address="dabir@scene.ir",
                                        imap_host="127.0.0.1", sends=True, smtp_host="127.0.0.1")
    item = Ch.IntakeItem.objects.create(
        mailbox=mailbox, secretariat=w.secretariat, subject=SUBJECT, text=BODY, sender_address="a@b.ir",
        state=Ch.IntakeItem.State.REGISTERED, letter=secret, uid=1, uidvalidity=1,
    )
    content = whole_pdf()
    upload = Ch.IntakeFile(item=item, name=ATTACHMENT, content_type="application/pdf", size=len(content),
                           sha256="0" * 64)
    upload.file.save("scene.pdf", ContentFile(content), save=False)
    upload.save()
    return {
        "mailbox": mailbox, "intake_item": item, "intake_file": upload,
        "transmission": Ch.Transmission.objects.create(
            letter=secret, mailbox=mailbox, kind=Ch.Transmission.Kind.EMAIL, recipient_name="شرکت کرانه",
            to="karaneh@example.ir", state=Ch.Transmission.State.FAILED, last_error="550", created_by=w.clerk),
        "post_dispatch": Ch.PostDispatch.objects.create(
            letter=secret, secretariat=w.secretariat, recipient_name="شرکت کرانه", day=dt.date.today(),
            created_by=w.clerk),
        "correspondent": Ch.Correspondent.objects.create(agency=w.agency, name="شرکت کرانه",
                                                         search_name="شرکت کرانه", email="karaneh@example.ir"),
    }


def notify_rows(w, secret) -> dict:
    """The notify part's rows, tied to the secret letter: its chain's manager holds a notice naming it,
    with preferences, a digest profile and an e-mail copy in the outbox."""
    from dabir.letters.names import NoticeKind
    from dabir.notify import models as N

    notice = N.Notification.objects.create(user=w.manager, kind=NoticeKind.REFERRAL_NEW, title=f"ارجاع تازه: {SUBJECT}",
                                           url=f"/letters/{secret.pk}/", related=f"letters.letter:{secret.pk}")
    return {
        "notice": notice,
        "notice_preference": N.NoticePreference.objects.create(user=w.manager, kind=NoticeKind.REFERRAL_NEW,
                                                               by_email=True),
        "notice_profile": N.NoticeProfile.objects.create(user=w.manager, digest=False),
        "notice_mail": N.MailMessage.objects.create(to="manager@scene.ir", subject=f"دبیر: ارجاع تازه: {SUBJECT}",
                                                    text=SUBJECT, kind="notify.notice",
                                                    related=f"notify.notification:{notice.pk}"),
    }


def writing_rows(w) -> dict:
    """The writing part's rows: the chain manager's own ready note, carrying the secret margin note (its
    owner's alone: nobody else's page may show it), and the agency's note and letter template."""
    from dabir.letters.models import LetterTemplate, ReadyNote

    return {
        "ready_note": ReadyNote.objects.create(user=w.manager, text=MARGIN_NOTE),
        "agency_note": ReadyNote.objects.create(agency=w.agency, text="جهت اقدام لازم"),
        "letter_template": LetterTemplate.objects.create(agency=w.agency, title="استعلام", subject="استعلام از {گیرنده}",
                                                         body="<p>{گیرنده}</p><p>{تاریخ}</p>"),
    }


def build() -> Scene:
    desk = make_desk()
    w = desk.world
    signing.create_authority(agency=w.agency)
    signing.issue_certificate(position=w.manager_pos)
    # A series of its own, so the secret letter's number appears nowhere by chance.
    w.internal_series.code = "نهان"
    w.internal_series.template = "{year}/{code}/{seq:05d}"
    w.internal_series.save(update_fields=["code", "template"])

    secret = make_registered(
        w, subject=SUBJECT, body=f"<p>{BODY}</p>", classification=Classification.CONFIDENTIAL,
        to=[w.clerk_pos.id], uploads=[letters.Upload(ATTACHMENT, whole_pdf())],
    )
    referral = letters.refer(
        user=w.clerk, seat=w.seat(w.clerk_pos), letter=secret,
        targets=[letters.ReferralSpec(w.manager_pos.id, note=MARGIN_NOTE)],
    )[0]
    # Overdue, so the follow-up pages of managers list it.
    Referral.objects.filter(pk=referral.pk).update(deadline=dt.date(2020, 1, 1))
    print_record = letters.record_print(user=w.clerk, letter=secret)
    folder = letters.create_folder(user=w.clerk, seat=w.seat(w.clerk_pos), code="K-77", title="پرونده‌های کرانه")
    letters.file_letter(user=w.clerk, seat=w.seat(w.clerk_pos), letter=secret, folder=folder)

    # The outsider (w.other) may read this one; it follows the secret letter.
    linking = make_registered(
        w, subject="پیگیری عادی", to=[w.other_pos.id], links=[(secret.id, Link.Kind.FOLLOWS)],
    )

    from dabir.desk import services as desk_services

    request = desk_services.submit_request(
        service=desk.service, channel="online", national_code=desk.citizen.national_code, mobile=desk.citizen.mobile,
        data=form_data(answers()), uploads={"old_permit": [letters.Upload("permit.pdf", whole_pdf())]},
        applicant=desk.citizen, applicant_name="سارا شهروند",
    )
    request.letter.__class__.objects.filter(pk=request.letter_id).update(
        classification=Classification.CONFIDENTIAL, subject=DESK_SUBJECT, body=f"<p>{DESK_BODY}</p>",
    )
    complaint = desk_services.file_complaint(
        user=desk.citizen, national_code=desk.citizen.national_code, mobile=desk.citizen.mobile,
        about=Complaint.About.REQUEST, agency=w.agency, text="رسیدگی به درخواست کند است.", request=request,
    )

    from dabir.accounts.services import issue_api_token
    from dabir.payments.services import start_payment

    payment, _ = start_payment(
        purpose="desk", object_id=str(request.pk), amount_rials=10_000, payer_mobile=request.mobile,
        callback_url="http://testserver/payments/return/", description=f"هزینه {request.tracking_code}",
    )
    token, _ = issue_api_token(user=w.expert, name="آزمون")

    # The outsider manages another unit: managers see more pages (follow-up, late requests).
    w.other_pos.is_manager = True
    w.other_pos.save(update_fields=["is_manager"])
    image = signing.upload_signature_image(user=w.manager, seat=w.seat(w.manager_pos), content=make_png())
    Holiday.objects.get_or_create(date=dt.date(2026, 3, 21), defaults={"title": "نوروز"})
    request_otp(national_code=desk.citizen.national_code, mobile=desk.citizen.mobile)

    agency_admin = make_user(first_name="نگار", last_name="مدیرسامانه")
    make_agency_admin(actor=None, user=agency_admin, agency=w.agency)
    make_position(w.expert_pos.unit, "کارشناس حقوقی", holder=agency_admin)
    citizen = make_citizen(seed=7_700_311, mobile="09171112233", first_name="کاوه", last_name="دیگری")
    exchanged = send_across(w)
    counter = counter_rows(w, desk, request)
    stats = stats_rows(w, secret)
    channel_rows = channels_rows(w, secret)
    notify = notify_rows(w, secret)
    writing = writing_rows(w)

    secret.refresh_from_db()
    markers = [SUBJECT, BODY, ATTACHMENT, MARGIN_NOTE, DESK_SUBJECT, DESK_BODY, *number_forms(secret.number)]
    version = LetterVersion.objects.filter(letter=secret).first()
    objects = {
        "letter": secret, "referral": referral, "attachment": Attachment.objects.get(letter=secret),
        "version": version, "signature": Signature.objects.filter(version__letter=secret).first(),
        "step": SigningStep.objects.filter(letter=secret).first(), "print": print_record, "folder": folder,
        "certificate": Certificate.objects.get(position=w.manager_pos),
        "document": request.documents.first(), "image": image, "payment": payment, "token": token,
        **exchanged, **counter, **stats, **channel_rows, **notify, **writing,
    }
    assert all(objects.values()), {k: v for k, v in objects.items() if not v}
    assert PrintRecord.objects.filter(letter=secret).exists() and Referral.objects.filter(letter=secret).exists()
    return Scene(desk=desk, secret=secret, linking=linking, request=request, complaint=complaint,
                 outsider=w.other, agency_admin=agency_admin, citizen=citizen, markers=markers, objects=objects)
