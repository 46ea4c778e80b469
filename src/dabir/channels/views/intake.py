"""The intake queue «ایمیل و نمابر رسیده»: e-mails and faxes waiting for the secretariat, one page
each with its headers, text and files, and the two decisions (register with a first referral, or
discard with a reason). What the user may see is asked of channels.policy; every write is a service
(channels.services.intake)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.templatetags.persian import ltr
from dabir.exchange import selectors as exchange_selectors
from dabir.letters import policy as letters_policy
from dabir.letters.attachments import ALLOWED as ACCEPTED_TYPES
from dabir.letters.forms import apply_error
from dabir.letters.services import ReferralSpec
from dabir.letters.views._shared import current_seat
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import Position

from .. import addressing, policy
from ..intake_forms import REGISTER_ALIASES, DiscardForm, FilterForm, RegisterForm
from ..models import IntakeItem
from ..services import intake as services

PAGE_SIZE = 25
# Shown in the browser only when the content is one a browser cannot run (PDF and still images).
INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def _require_clerk(request) -> None:
    if not policy.is_clerk(request.user):
        raise NotAllowed("ایمیل‌ها و نمابرهای رسیده فقط برای کاربران دبیرخانه است.")


def _item(request, item_id) -> IntakeItem:
    """An item of the user's queues; 404 otherwise (whether it exists is nobody else's business)."""
    _require_clerk(request)
    return get_object_or_404(policy.intake_of(request.user).select_related("mailbox", "secretariat", "letter",
                                                                          "decided_by"), pk=item_id)


@login_required
def queue(request):
    _require_clerk(request)
    form = FilterForm(request.GET or None)
    wanted = form.cleaned_data if form.is_valid() else {}
    kind, state = wanted.get("kind", ""), wanted.get("state", "")
    rows = policy.intake_of(request.user).select_related("letter").annotate(file_count=Count("files"))
    if kind:
        rows = rows.filter(kind=kind)
    if state:
        rows = rows.filter(state=state)
    pending_first = Case(When(state=IntakeItem.State.PENDING, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    page = Paginator(rows.order_by(pending_first, "-received_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    # A registered item names its letter only to those the letters' policy lets see it.
    letter_ids = [i.letter_id for i in page if i.letter_id]
    seen = set(letters_policy.visible_letters(request.user).filter(pk__in=letter_ids).values_list("pk", flat=True))
    for i in page:
        i.letter_shown = i.letter_id in seen
    params = request.GET.copy()
    params.pop("page", None)
    tab_params = params.copy()
    tab_params.pop("kind", None)
    return render(request, "channels/intake_list.html", {
        "page": page, "filter_form": form, "kind": kind, "state": state, "querystring": params.urlencode(),
        "tab_query": tab_params.urlencode(), "arrivals_pending": exchange_selectors.pending_count(request.user),
        "tabs": [("", "همه"), *IntakeItem.Kind.choices],
    })


def suggested_sender(item: IntakeItem) -> str:
    """The sender as the address book knows them, else as the message names them."""
    agency_id = item.secretariat.agency_id
    if item.kind == IntakeItem.Kind.FAX:
        known = addressing.by_fax(agency_id, item.calling_number)
        return known.name if known else (item.sender_name or item.calling_number)
    known = addressing.by_email(agency_id, item.sender_address)
    if known:
        return known.name
    if item.sender_name and item.sender_address:
        return f"{item.sender_name} <{item.sender_address}>"
    return item.sender_name or item.sender_address


def _decision_forms(request, item: IntakeItem, register=None, discard=None) -> dict:
    agency_id = item.secretariat.agency_id
    secretariats = [s for s in org_selectors.secretariats_of(request.user) if s.agency_id == agency_id]
    positions = list(Position.objects.filter(active=True, unit__agency_id=agency_id)
                     .select_related("unit").order_by("unit__name", "-is_manager", "title"))
    files = list(item.files.all())
    kwargs = {"secretariats": secretariats, "positions": positions, "files": files,
              "absences": org_selectors.absences([p.id for p in positions])}
    if register is None:
        register = RegisterForm(prefix="register", initial={
            "secretariat": item.secretariat_id, "subject": item.subject[:500],
            "sender_name": suggested_sender(item)[:300],
            # inline pictures of an e-mail (logos, signatures) are rarely part of the letter, and a type
            # the letters' checker refuses (winmail.dat, an .exe) would only stop the registration
            "files": [f.id for f in files if not f.inline and f.content_type in ACCEPTED_TYPES],
        }, **kwargs)
    elif register is True:
        register = RegisterForm(request.POST, prefix="register", **kwargs)
    chosen = {str(v) for v in (register["files"].value() or [])}
    return {"register_form": register, "discard_form": discard or DiscardForm(prefix="discard"),
            "secretariats": secretariats, "file_rows": [(f, str(f.id) in chosen) for f in files]}


def _detail(request, item: IntakeItem, status: int = 200, **forms):
    letter_shown = bool(item.letter_id and letters_policy.can_see(request.user, item.letter_id))
    return render(request, "channels/intake_item.html", {
        "item": item, "letter_shown": letter_shown, **_decision_forms(request, item, **forms),
    }, status=status)


@login_required
def detail(request, item_id):
    return _detail(request, _item(request, item_id))


@login_required
@require_POST
def register(request, item_id):
    item = _item(request, item_id)
    built = _decision_forms(request, item, register=True)
    form = built["register_form"]
    if form.is_valid():
        d = form.cleaned_data
        seat = current_seat(request)
        if seat is not None and seat.position.unit.agency_id != item.secretariat.agency_id:
            seat = None  # a seat in another agency does not refer this agency's letters
        spec = ReferralSpec(position_id=d["refer_position"], action=d["refer_action"],
                            note=d.get("refer_note") or "", deadline=d.get("refer_deadline"))
        try:
            letter = services.register_item(
                user=request.user, item=item, seat=seat, refer_to=[spec], files=d["files"],
                secretariat=next(s for s in built["secretariats"] if s.id == d["secretariat"]),
                subject=d["subject"], sender_name=d["sender_name"], sender_number=d.get("sender_number") or "",
                sender_date=d.get("sender_date"), urgency=d["urgency"], classification=d["classification"],
                keywords=d.get("keywords") or "",
            )
        except DomainError as exc:
            apply_error(form, exc, REGISTER_ALIASES)
        else:
            messages.success(request, format_html("نامه رسیده با شماره {} ثبت و ارجاع شد.", ltr(letter.number)))
            return redirect("letter_detail", letter_id=letter.id)
    item.refresh_from_db()
    return _detail(request, item, status=400, register=form)


@login_required
@require_POST
def discard(request, item_id):
    item = _item(request, item_id)
    form = DiscardForm(request.POST, prefix="discard")
    if form.is_valid():
        try:
            services.discard_item(user=request.user, item=item, reason=form.cleaned_data["reason"],
                                  note=form.cleaned_data.get("note") or "")
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "ایمیل یا نمابر کنار گذاشته شد.")
            return redirect("channels:intake")
    item.refresh_from_db()
    return _detail(request, item, status=400, discard=form)


def _download(field, content_type: str, name: str, *, inline: bool) -> HttpResponse:
    with field.open("rb") as stream:
        response = HttpResponse(stream.read(), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def file(request, item_id, file_id):
    """A file that came with the item: PDFs and pictures shown in the browser, anything else downloaded
    as bytes (its declared type came from the sender, so it is never trusted to be shown)."""
    item = _item(request, item_id)
    found = get_object_or_404(item.files, pk=file_id)
    shown = found.content_type in INLINE_TYPES
    return _download(found.file, found.content_type if shown else "application/octet-stream", found.name,
                     inline=shown)


@login_required
def raw(request, item_id):
    """The message as the server delivered it (.eml), for a clerk who needs what Dabir could not read."""
    item = _item(request, item_id)
    if not item.raw:
        raise DomainError("پیام اصلی این مورد نگه داشته نشده است.")
    return _download(item.raw, "message/rfc822", f"message-{item.pk}.eml", inline=False)


urlpatterns = [
    path("intake/", queue, name="intake"),
    path("intake/<int:item_id>/", detail, name="intake_item"),
    path("intake/<int:item_id>/register/", register, name="intake_register"),
    path("intake/<int:item_id>/discard/", discard, name="intake_discard"),
    path("intake/<int:item_id>/files/<int:file_id>/", file, name="intake_file"),
    path("intake/<int:item_id>/raw/", raw, name="intake_raw"),
]
