"""Letters filed at the counter (seed 000): the operator's pages, the clerk's queue, public tracking.

Operator (an office's staff):
  /counters/letters/                      the office's letters, their states, print-answer buttons
  /counters/letters/new/                  «ثبت نامه شهروند»: the citizen (national code, mobile, name) → SMS code
  /counters/letters/new/<visit>/          the code the citizen reads out, then the letter: agency, subject,
                                          summary, scans, the fee → the submission's page (payment, receipt)
  /counters/letters/<id>/                 one letter: its state, scans, the fee and receipt, the answer
  /counters/letters/<id>/answer.pdf       the answer's (signed) PDF, printed for the citizen
Clerk (a secretariat's clerk):
  /counters/letters/incoming/             «نامه‌های دفاتر پیشخوان» for the clerk's secretariats
  /counters/letters/incoming/<id>/        the letter, its scans, register with a first referral or return
Anyone: /counters/track/                  tracking code + national code → state, dates, the agency's number

Views stay thin: who may see what is asked of policy (through selectors), every write is a service.
"""

import secrets

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from dabir.core import ratelimit
from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.templatetags.persian import ltr
from dabir.core.text import to_persian_digits
from dabir.desk import codes
from dabir.desk.forms import TrackForm
from dabir.letters.services import ReferralSpec, Upload
from dabir.letters.views._shared import current_seat
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import Position
from dabir.payments.money import fa_amount

from .. import policy, selectors, services
from ..models import CounterLetter, LetterScan, Submission, Visit
from . import letter_forms as F

PAGE_SIZE = 25
NOT_FOUND = "نامه‌ای با این کد رهگیری و کد ملی یافت نشد؛ هر دو را دوباره بررسی کنید."


def _staff(request):
    staff = policy.staff_of(request.user)
    if staff is None:
        raise NotAllowed(policy.NOT_STAFF)
    return staff


def _office_letter(request, letter_id: int) -> CounterLetter:
    found = selectors.office_letters(request.user).filter(pk=letter_id).first()
    if found is None:
        raise NotFound("این نامه در دفتر شما ثبت نشده است.")
    return found


# ---------------------------------------------------------------- the operator


@never_cache
@login_required
def office_list(request):
    staff = _staff(request)
    form = F.StateFilterForm(request.GET or None)
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    rows = selectors.office_letters(request.user)
    if state:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "counters/letters/office_list.html", {
        "staff": staff, "page": page, "filter_form": form, "state": state, "querystring": params.urlencode(),
        "block_reason": policy.block_reason(staff.office),
    })


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def start(request):
    """The citizen who brought the letter: a visit is started and the consent code sent to their mobile."""
    staff = policy.acting_staff(request.user)
    form = F.IdentifyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            visit = services.start_visit(user=request.user, national_code=d["national_code"], mobile=d["mobile"],
                                         name=d["name"], ip=ratelimit.client_ip(request))
        except DomainError as exc:
            F.apply_error(form, exc)
        else:
            messages.info(request, "کد رضایت به تلفن همراه متقاضی پیامک شد؛ آن را از او بپرسید.")
            return redirect("counters:letter_new", visit_id=visit.pk)
    return render(request, "counters/letters/start.html", {"form": form, "staff": staff},
                  status=400 if form.is_bound else 200)


def _visit(request, visit_id: int) -> Visit:
    staff = policy.acting_staff(request.user)
    visit = Visit.objects.filter(pk=visit_id, office=staff.office).first()
    if visit is None:
        raise NotFound("این مراجعه در دفتر شما پیدا نشد.")
    return visit


def _letter_page(request, visit: Visit, *, form=None, code_form=None, status=200):
    quote = selectors.letter_quote()
    if visit.verified_at is None:
        code_form = code_form or F.CodeForm()
    elif form is None:
        form = F.LetterForm(agencies=selectors.letter_agencies(), initial={
            "citizen_name": visit.name, "expected_total": quote.total_rials, "submission_key": secrets.token_hex(16)})
    return render(request, "counters/letters/new.html", {
        "visit": visit, "form": form, "code_form": code_form, "fee": fa_amount(quote.counter_fee_rials),
        "fee_rials": quote.total_rials,
    }, status=status)


@never_cache
@login_required
def new(request, visit_id: int):
    return _letter_page(request, _visit(request, visit_id))


@login_required
@require_POST
def verify(request, visit_id: int):
    visit = _visit(request, visit_id)
    form = F.CodeForm(request.POST)
    if form.is_valid():
        try:
            services.verify_visit(user=request.user, visit=visit, code=form.cleaned_data["code"])
        except DomainError as exc:
            form.add_error("code", exc.message)
        else:
            messages.success(request, "رضایت متقاضی تأیید شد؛ نامه او را ثبت کنید.")
            return redirect("counters:letter_new", visit_id=visit.pk)
    return _letter_page(request, visit, code_form=form, status=400)


@login_required
@require_POST
def file(request, visit_id: int):
    visit = _visit(request, visit_id)
    form = F.LetterForm(request.POST, request.FILES, agencies=selectors.letter_agencies())
    if form.is_valid():
        d = form.cleaned_data
        scans = [Upload(name=f.name, content=f.read(), is_scan=True) for f in request.FILES.getlist("scans")]
        try:
            letter = services.file_letter(
                user=request.user, visit=visit, agency=d["agency"], subject=d["subject"], text=d["text"],
                citizen_name=d["citizen_name"], scans=scans, submission_key=d["submission_key"],
                expected_total=d["expected_total"],
            )
        except DomainError as exc:
            F.apply_error(form, exc)
        else:
            messages.success(request, format_html(
                "نامه با کد رهگیری {} ثبت و به دبیرخانه «{}» فرستاده شد.",
                format_html('<bdi dir="ltr" class="code">{}</bdi>', codes.display(letter.tracking_code)),
                letter.agency.name))
            sub = Submission.objects.filter(counter_letter=letter).first()
            if sub is not None and sub.state == Submission.State.AWAITING_PAYMENT:
                return redirect("counters:desk_submission", submission_id=sub.pk)  # the fee, then the receipt
            return redirect("counters:letter", letter_id=letter.pk)
    return _letter_page(request, visit, form=form, status=400)


@never_cache
@login_required
def detail(request, letter_id: int):
    _staff(request)
    letter = _office_letter(request, letter_id)
    sub = Submission.objects.filter(counter_letter=letter).first()
    return render(request, "counters/letters/detail.html", {
        "cl": letter, "scans": list(letter.scans.all()), "sub": sub, "fee": fa_amount(sub.total_rials if sub else 0),
    })


@never_cache
@login_required
def answer_pdf(request, letter_id: int):
    """The answer's PDF for the citizen, printed at the office that filed the letter (its staff are no
    letter viewers: the office's ownership is the permission)."""
    from dabir.signing import pdf

    letter = _office_letter(request, letter_id)
    policy.check_office_letter(request.user, letter)
    if letter.state != CounterLetter.State.ANSWERED or letter.answer_id is None:
        raise NotFound("این نامه هنوز پاسخی ندارد.")
    answer = letter.answer
    version = answer.versions.order_by("-number").first()
    if version is not None and version.signatures.exists():
        data, signed = pdf.letter_pdf(version), True
    else:
        data, signed = pdf.render_letter(version or answer), False
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"answer-{letter.tracking_code}.pdf")
    response["X-Dabir-Signed"] = "1" if signed else "0"
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@login_required
def scan(request, letter_id: int, scan_id: int):
    """A scan of the letter, for the filing office and the receiving secretariat's clerks."""
    letter = CounterLetter.objects.select_related("office").filter(pk=letter_id).first()
    if letter is None or not policy.can_see_counter_letter(request.user, letter):
        raise NotFound("این نامه پیدا نشد.")
    found = LetterScan.objects.filter(pk=scan_id, counter_letter=letter).first()
    if found is None:
        raise Http404
    with found.file.open("rb") as fh:
        response = HttpResponse(fh.read(), content_type=found.content_type)
    response["Content-Disposition"] = content_disposition_header(False, found.name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# ---------------------------------------------------------------- the agency's clerk


def _require_clerk(request) -> None:
    if not policy.clerk_secretariat_ids(request.user):
        raise NotAllowed("نامه‌های دفاتر پیشخوان فقط برای کاربران دبیرخانه است.")


def _clerk_letter(request, letter_id: int) -> CounterLetter:
    found = selectors.counter_letter_queue(request.user).filter(pk=letter_id).first()
    if found is None:
        raise NotFound("این نامه به دبیرخانه شما فرستاده نشده است.")
    return found


@never_cache
@login_required
def queue(request):
    _require_clerk(request)
    form = F.StateFilterForm(request.GET or {"state": CounterLetter.State.SENT})
    state = form.cleaned_data.get("state", "") if form.is_valid() else ""
    page = Paginator(selectors.counter_letter_queue(request.user, state), PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "counters/letters/queue.html", {
        "page": page, "filter_form": form, "state": state, "querystring": params.urlencode(),
        "pending": selectors.pending_counter_letters(request.user), "is_clerk": True,
    })


def _review(request, letter: CounterLetter, *, register_form=None, return_form=None, status=200):
    positions = list(Position.objects.filter(active=True, unit__agency_id=letter.agency_id)
                     .select_related("unit").order_by("unit__name", "-is_manager", "title"))
    absences = org_selectors.absences([p.id for p in positions])
    if register_form is None:
        register_form = F.RegisterForm(positions=positions, absences=absences)
    return render(request, "counters/letters/review.html", {
        "cl": letter, "scans": list(letter.scans.all()), "register_form": register_form,
        "return_form": return_form or F.ReturnForm(), "positions": positions, "absences": absences,
        "is_clerk": True,
    }, status=status)


@never_cache
@login_required
def review(request, letter_id: int):
    _require_clerk(request)
    return _review(request, _clerk_letter(request, letter_id))


@login_required
@require_POST
def register(request, letter_id: int):
    _require_clerk(request)
    letter = _clerk_letter(request, letter_id)
    positions = Position.objects.filter(active=True, unit__agency_id=letter.agency_id).select_related("unit")
    form = F.RegisterForm(request.POST, positions=positions)
    if form.is_valid():
        d = form.cleaned_data
        spec = ReferralSpec(position_id=d["refer_position"], action=d["refer_action"],
                            note=d.get("refer_note") or "", deadline=d.get("refer_deadline"))
        try:
            letter = services.register_counter_letter(user=request.user, counter_letter=letter, refer_to=[spec],
                                                      seat=current_seat(request))
        except DomainError as exc:
            F.apply_error(form, exc, F.REGISTER_ALIASES)
        else:
            messages.success(request, format_html("نامه با شماره {} ثبت و ارجاع شد؛ به فرستنده پیامک می‌شود.",
                                                  ltr(letter.letter.number)))
            return redirect("letter_detail", letter_id=letter.letter_id)
    letter.refresh_from_db()
    return _review(request, letter, register_form=form, status=400)


@login_required
@require_POST
def return_(request, letter_id: int):
    _require_clerk(request)
    letter = _clerk_letter(request, letter_id)
    form = F.ReturnForm(request.POST)
    if form.is_valid():
        try:
            services.return_counter_letter(user=request.user, counter_letter=letter,
                                           reason=form.cleaned_data["reason"])
        except DomainError as exc:
            F.apply_error(form, exc)
        else:
            messages.success(request, "نامه برگشت داده شد؛ علت آن به فرستنده پیامک می‌شود.")
            return redirect("counters:letter_queue")
    letter.refresh_from_db()
    return _review(request, letter, return_form=form, status=400)


# ---------------------------------------------------------------- public tracking


def _track_page(request, status=200, **context):
    context.setdefault("form", TrackForm())
    return render(request, "counters/letters/track.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def track(request):
    """Tracking code + national code (both must match) → the letter's state and dates; rate-limited per
    address like the desk's tracking (429 with Retry-After past the limit)."""
    if request.method == "GET":
        code = to_persian_digits(request.GET.get("code", "")[:40])
        return _track_page(request, form=TrackForm(initial={"tracking_code": code}))
    limit, window = settings.DABIR_DESK_TRACK_RATE
    if not ratelimit.hit(f"counter-letter-track:{ratelimit.client_ip(request)}", limit=limit, window=window):
        response = _track_page(request, 429, form=TrackForm(request.POST), limited=(
            f"تعداد جست‌وجوهای شما از حد مجاز گذشته است؛ {to_persian_digits(max(1, window // 60))} دقیقه دیگر "
            "دوباره تلاش کنید."))
        response["Retry-After"] = str(window)
        return response
    form = TrackForm(request.POST)
    if not form.is_valid():
        return _track_page(request, 400, form=form)
    found = selectors.public_counter_letter(form.cleaned_data["tracking_code"], form.cleaned_data["national_code"])
    if found is None:
        return _track_page(request, 404, form=form, not_found=NOT_FOUND)
    return _track_page(request, cl=found, grouped=codes.display(found.tracking_code))


urlpatterns = [
    path("letters/", office_list, name="letters"),
    path("letters/new/", start, name="letter_start"),
    path("letters/new/<int:visit_id>/", new, name="letter_new"),
    path("letters/new/<int:visit_id>/verify/", verify, name="letter_verify"),
    path("letters/new/<int:visit_id>/file/", file, name="letter_file"),
    path("letters/<int:letter_id>/", detail, name="letter"),
    path("letters/<int:letter_id>/answer.pdf", answer_pdf, name="letter_answer_pdf"),
    path("letters/<int:letter_id>/scans/<int:scan_id>/", scan, name="letter_scan"),
    path("letters/incoming/", queue, name="letter_queue"),
    path("letters/incoming/<int:letter_id>/", review, name="letter_review"),
    path("letters/incoming/<int:letter_id>/register/", register, name="letter_register"),
    path("letters/incoming/<int:letter_id>/return/", return_, name="letter_return"),
    path("track/", track, name="track"),
]
