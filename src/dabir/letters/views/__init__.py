"""Pages of the electronic secretariat. Thin: check input with a form, call one service, render.

A DomainError from a service goes back onto the form (status 400) with what the user typed;
one that escapes (NotFound, NotAllowed) becomes the Persian error page (core.middleware).
"""

import datetime as dt
import re
from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.jalali import TEHRAN, persian, today
from dabir.core.templatetags.persian import ltr
from dabir.core.text import to_latin_digits
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import NumberSeries, Position, Unit
from dabir.orgs.selectors import Seat

from .. import attachments as files_check
from .. import forms as F
from .. import policy, selectors, services
from ..models import Attachment, Folder, Kind, Letter, PrintRecord, Referral, ReferralStatus, Status

PAGE_SIZE = 25


# ---------------------------------------------------------------- helpers


def current_seat(request) -> Seat | None:
    """The seat the user works through in this session: the one chosen in the navbar, else the first."""
    seats = getattr(request, "_dabir_seats", None)
    if seats is None:
        seats = request._dabir_seats = org_selectors.seats_of(request.user)
    chosen = request.session.get("position_id")
    held = next((s for s in seats if not s.as_acting), seats[0] if seats else None)
    return next((s for s in seats if s.position.id == chosen), held)


def _require_seat(request) -> Seat:
    seat = current_seat(request)
    if seat is None:
        raise NotAllowed("هیچ سمتی در اختیار شما نیست؛ با مدیر سامانه تماس بگیرید.")
    return seat


def _clerk_secretariat_ids(request) -> set[int]:
    ids = getattr(request, "_dabir_clerk_ids", None)
    if ids is None:
        ids = request._dabir_clerk_ids = set(
            org_selectors.secretariats_of(request.user).values_list("id", flat=True)
        )
    return ids


def _page(request, template: str, context: dict, status: int = 200):
    context.setdefault("is_clerk", bool(_clerk_secretariat_ids(request)))
    if request.user.is_authenticated:
        # The navbar shows the same seat the view works through (a held seat before an acting one).
        context.setdefault("current_seat", current_seat(request))
    return render(request, template, context, status=status)


def _uploads(files, is_scan=False) -> list[services.Upload]:
    return [services.Upload(name=f.name, content=f.read(), is_scan=is_scan) for f in files]


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


def _agency_positions(seat: Seat):
    return list(org_selectors.directory(seat.position.unit.agency_id).order_by("unit__name", "-is_manager", "title"))


def _jalali_filter_querystring(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


_DIGIT_TEXT = re.compile(r"(<[^>]*>|&#?\w+;)")


def persian_digits_html(html: str) -> str:
    """Persian digits in the text of sanitised HTML, leaving tags and entities alone."""
    return "".join(
        part if _DIGIT_TEXT.fullmatch(part) else persian(part) for part in _DIGIT_TEXT.split(html or "")
    )


# ---------------------------------------------------------------- position switcher


@login_required
@require_POST
def switch_position(request):
    seat = org_selectors.seat_for(request.user, to_latin_digits(request.POST.get("position_id") or "0") or 0)
    request.session["position_id"] = seat.position.id
    return HttpResponseRedirect(_safe_next(request, reverse("inbox")))


# ---------------------------------------------------------------- inbox


@login_required
def inbox(request):
    if request.user.is_citizen:  # citizens have their own home on the service desk
        return redirect("citizen_home")
    seat = current_seat(request)
    tab = "sent" if request.GET.get("tab") == "sent" else "inbox"
    form = F.InboxFilterForm(request.GET or None)
    status = 200
    filters: dict = {}
    if form.is_bound:
        if not form.is_valid():
            status = 400
        filters = {k: v for k, v in (form.cleaned_data if hasattr(form, "cleaned_data") else {}).items() if v}
    context = {"form": form, "tab": tab, "seat": seat, "querystring": _jalali_filter_querystring(request)}
    if seat is not None:
        if tab == "sent":
            qs = selectors.sent_referrals(request.user, seat.position.id)
        else:
            qs = selectors.inbox(request.user, seat.position.id, filters=filters)
        page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, counts=selectors.inbox_counts(seat.position.id), today=today())
        if tab == "sent":
            context["reassign_positions"] = [
                p for p in _agency_positions(seat) if p.id != seat.position.id
            ]
    template = "letters/partials/inbox_list.html" if request.headers.get("HX-Request") else "letters/inbox.html"
    return _page(request, template, context, status)


@login_required
@require_POST
def referral_withdraw(request, referral_id):
    seat = _require_seat(request)
    referral = get_object_or_404(Referral.objects.select_related("parent"), pk=referral_id)
    try:
        services.withdraw(user=request.user, seat=seat, referral=referral)
        messages.success(request, "ارجاع پس گرفته شد.")
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(f"{reverse('inbox')}?tab=sent")


@login_required
@require_POST
def referral_reassign(request, referral_id):
    seat = _require_seat(request)
    referral = get_object_or_404(Referral.objects.select_related("parent", "letter__agency"), pk=referral_id)
    form = F.ReassignForm(request.POST, positions=_agency_positions(seat))
    if not form.is_valid():
        messages.error(request, "سمت جایگزین را انتخاب کنید.")
    else:
        try:
            services.reassign(
                user=request.user, seat=seat, referral=referral, to_position_id=form.cleaned_data["to_position"]
            )
            messages.success(request, "ارجاع به سمت دیگری سپرده شد.")
        except DomainError as exc:
            messages.error(request, exc.message)
    return redirect(f"{reverse('inbox')}?tab=sent")


# ---------------------------------------------------------------- letter page and its actions


def _signing_context(letter: Letter) -> dict:
    """The signing circuit and the newest signed version (with its public verification code)."""
    steps = list(letter.signing_steps.select_related("position__unit", "acted_by", "signature"))
    version = letter.versions.order_by("-number").first() if any(s.signature_id for s in steps) else None
    return {"signing_steps": steps, "signed_version": version}


def _letter_context(request, letter: Letter, seat: Seat | None, forms: dict | None = None) -> dict:
    detail = selectors.letter_detail(request.user, letter)
    facts = policy.standing(
        request.user, seat, letter, referrals=detail["referrals"], clerk_secretariat_ids=_clerk_secretariat_ids(request)
    )
    can = policy.allowed_actions(request.user, seat, letter, facts=facts)
    open_ref = facts.open_referral
    position_id = seat.position.id if seat else None
    folders = list(Folder.objects.filter(agency_id=letter.agency_id)) if seat else []
    can["file"] = can["file"] and bool(folders)
    forms = forms or {}
    context = {
        **detail,
        "seat": seat,
        "open_referral": open_ref,
        "can": can,
        "to_recipients": [r for r in detail["recipients"] if r.role == "to"],
        "cc_recipients": [r for r in detail["recipients"] if r.role == "cc"],
        "complete_form": forms.get("complete") or F.NoteForm(prefix="complete"),
        "close_form": forms.get("close") or F.RequiredNoteForm(prefix="close"),
        "return_form": forms.get("return") or F.RequiredNoteForm(prefix="return"),
        "approve_form": forms.get("approve") or F.NoteForm(prefix="approve"),
        "submit_form": forms.get("submit") or F.NoteForm(prefix="submit"),
        "void_form": forms.get("void") or F.VoidForm(prefix="void"),
        "dispatch_form": forms.get("dispatch") or F.DispatchForm(prefix="dispatch"),
        "file_form": forms.get("file") or F.FileForm(prefix="file", folders=folders),
        "action_error": forms.get("error"),
        "action_form": forms.get(forms.get("error")) if forms.get("error") else None,
        "today": today(),
        "other_seat_referral": None,
        **_signing_context(letter),
    }
    if seat and open_ref is None:
        seat_ids = {s.position.id for s in getattr(request, "_dabir_seats", [])} - {position_id}
        context["other_seat_referral"] = next(
            (r for r in detail["referrals"] if r.to_position_id in seat_ids and r.is_open), None
        )
    return context


@login_required
def letter_detail(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = current_seat(request)
    if seat is not None:
        unread = selectors.open_referral_at(letter, seat.position.id)
        if unread is not None and unread.status == ReferralStatus.UNREAD:
            services.mark_read(user=request.user, seat=seat, referral=unread)
    return _page(request, "letters/detail.html", _letter_context(request, letter, seat))


def _letter_action(request, letter_id, key: str, form_class, call, success, form_kwargs=None):
    """Shared path of the action-panel posts: form → one service → redirect, or the page again with 400."""
    letter = selectors.get_visible_letter(request.user, letter_id)
    seat = current_seat(request)
    form = form_class(request.POST, prefix=key, **(form_kwargs or {}))
    if form.is_valid():
        try:
            call(letter, seat, form.cleaned_data)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            F.apply_error(form, exc, {"reason": "reason", "note": "note", "folder": "folder", "channel": "channel"})
        else:
            if callable(success):  # a message that depends on where the action left the letter
                letter.refresh_from_db()
                success = success(letter)
            messages.success(request, success)
            return redirect("letter_detail", letter_id=letter.id)
    letter.refresh_from_db()
    context = _letter_context(request, letter, seat, {key: form, "error": key})
    return _page(request, "letters/detail.html", context, status=400)


def _seat_or_refuse(seat):
    if seat is None:
        raise NotAllowed("هیچ سمتی در اختیار شما نیست.")
    return seat


def _open_referral(letter, seat):
    referral = selectors.open_referral_at(letter, _seat_or_refuse(seat).position.id)
    if referral is None:
        raise DomainError("این نامه ارجاع بازی در کارتابل شما ندارد.")
    return referral


@login_required
@require_POST
def letter_complete(request, letter_id):
    def call(letter, seat, data):
        services.complete(user=request.user, seat=seat, referral=_open_referral(letter, seat), note=data["note"])

    return _letter_action(request, letter_id, "complete", F.NoteForm, call, "ارجاع انجام‌شده ثبت شد.")


@login_required
@require_POST
def letter_close(request, letter_id):
    def call(letter, seat, data):
        services.close_letter(user=request.user, seat=_seat_or_refuse(seat), letter=letter, note=data["note"])

    return _letter_action(request, letter_id, "close", F.RequiredNoteForm, call, "نامه مختومه شد.")


@login_required
@require_POST
def letter_archive(request, letter_id):
    def call(letter, seat, data):
        services.archive_letter(user=request.user, seat=_seat_or_refuse(seat), letter=letter)

    return _letter_action(request, letter_id, "archive", F.NoteForm, call, "نامه بایگانی شد.")


@login_required
@require_POST
def letter_file(request, letter_id):
    seat = current_seat(request)
    folders = list(Folder.objects.filter(agency_id=seat.position.unit.agency_id)) if seat else []

    def call(letter, seat, data):
        folder = next(f for f in folders if f.id == data["folder"])
        services.file_letter(user=request.user, seat=_seat_or_refuse(seat), letter=letter, folder=folder)

    return _letter_action(request, letter_id, "file", F.FileForm, call, "نامه در پرونده گذاشته شد.",
                          {"folders": folders})


@login_required
@require_POST
def letter_approve(request, letter_id):
    def call(letter, seat, data):
        services.approve(user=request.user, seat=_seat_or_refuse(seat), letter=letter, note=data["note"])

    def said(letter):
        if letter.status == Status.AWAITING_SIGNATURE:
            return "نامه امضا شد و برای امضاکننده بعدی فرستاده شد."
        return "نامه امضا شد و به دبیرخانه رفت."

    return _letter_action(request, letter_id, "approve", F.NoteForm, call, said)


@login_required
@require_POST
def letter_return(request, letter_id):
    def call(letter, seat, data):
        services.return_to_author(user=request.user, seat=_seat_or_refuse(seat), letter=letter, note=data["note"])

    return _letter_action(request, letter_id, "return", F.RequiredNoteForm, call, "نامه به نویسنده بازگشت.")


@login_required
@require_POST
def letter_submit(request, letter_id):
    def call(letter, seat, data):
        services.submit_for_signature(user=request.user, seat=_seat_or_refuse(seat), letter=letter, note=data["note"])

    return _letter_action(request, letter_id, "submit", F.NoteForm, call, "نامه برای امضا فرستاده شد.")


@login_required
@require_POST
def letter_register(request, letter_id):
    def call(letter, seat, data):
        services.register_letter(user=request.user, letter=letter)

    response = _letter_action(request, letter_id, "register", F.NoteForm, call, "نامه ثبت و شماره‌گذاری شد.")
    if response.status_code == 302 and request.POST.get("next"):
        return HttpResponseRedirect(_safe_next(request, response.url))
    return response


@login_required
@require_POST
def letter_dispatch(request, letter_id):
    def call(letter, seat, data):
        services.dispatch(user=request.user, letter=letter, channel=data["channel"])

    return _letter_action(request, letter_id, "dispatch", F.DispatchForm, call, "ارسال نامه ثبت شد.")


@login_required
@require_POST
def letter_void(request, letter_id):
    def call(letter, seat, data):
        services.void_letter(user=request.user, letter=letter, reason=data["reason"])

    return _letter_action(request, letter_id, "void", F.VoidForm, call, "نامه ابطال شد.")


@login_required
def attachment_download(request, attachment_id):
    attachment = get_object_or_404(Attachment, pk=attachment_id)
    try:
        selectors.get_visible_letter(request.user, attachment.letter_id)
    except NotFound:
        raise Http404 from None
    return FileResponse(
        attachment.file.open("rb"), as_attachment=True, filename=attachment.name,
        content_type=attachment.content_type,
    )


# ---------------------------------------------------------------- compose and edit draft


def _link_resolver(user):
    visible = selectors.visible_letters(user)

    def resolve(token: str) -> int | None:
        token = to_latin_digits(token).strip().lstrip("#")
        if token.isdigit():
            found = visible.filter(pk=int(token)).values_list("id", flat=True).first()
            if found:
                return found
        return visible.filter(number=token).values_list("id", flat=True).first()

    return resolve


def _compose_form(request, seat, data=None, files=None, initial=None):
    positions = _agency_positions(seat)
    signers = [p for p in positions if p.can_sign]
    return F.ComposeForm(
        data, files, initial=initial, positions=positions, signers=signers, link_resolver=_link_resolver(request.user)
    )


@login_required
def compose(request):
    seat = _require_seat(request)
    if request.method == "POST":
        form = _compose_form(request, seat, request.POST, request.FILES)
        if form.is_valid():
            try:
                letter = services.compose_with_circuit(
                    user=request.user, seat=seat, kind=form.cleaned_data["kind"],
                    earlier=form.cleaned_data["earlier"],
                    uploads=_uploads(request.FILES.getlist("attachments")), **form.service_fields(),
                )
            except DomainError as exc:
                F.apply_error(form, exc, F.COMPOSE_ALIASES)
            else:
                messages.success(request, "پیش‌نویس نامه ذخیره شد.")
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/compose.html", {"form": form, "seat": seat}, status=400)
    initial = {}
    reply_to = to_latin_digits(request.GET.get("reply_to", ""))
    if reply_to.isdigit():
        original = selectors.visible_letters(request.user).filter(pk=int(reply_to)).first()
        if original is not None:
            initial.update(F.reply_initial(original))
            initial["subject"] = f"پاسخ: {original.subject}"[:500]
            referral = selectors.open_referral_at(original, seat.position.id)
            if original.kind == Kind.INCOMING and original.sender_name:
                initial["kind"] = Kind.OUTGOING
                initial["to_outside"] = original.sender_name
            elif referral is not None and referral.from_position_id:
                initial["to"] = [referral.from_position_id]
            elif original.author_position_id:
                initial["to"] = [original.author_position_id]
    return _page(request, "letters/compose.html", {"form": _compose_form(request, seat, initial=initial),
                                                   "seat": seat})


@login_required
def draft_edit(request, letter_id):
    seat = _require_seat(request)
    letter = selectors.get_visible_letter(request.user, letter_id)
    policy.check(request.user, seat, letter, "edit")
    if request.method == "POST":
        form = _compose_form(request, seat, request.POST, request.FILES)
        if form.is_valid():
            try:
                services.compose_with_circuit(
                    user=request.user, seat=seat, letter=letter, earlier=form.cleaned_data["earlier"],
                    uploads=_uploads(request.FILES.getlist("attachments")), **form.service_fields(),
                )
            except DomainError as exc:
                F.apply_error(form, exc, F.COMPOSE_ALIASES)
            else:
                messages.success(request, "پیش‌نویس به‌روز شد.")
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/compose.html", {"form": form, "seat": seat, "letter": letter}, status=400)
    recipients = list(letter.recipients.all())
    links = list(letter.links.select_related("target"))

    def link_text(kind):
        return ", ".join(link.target.number or str(link.target_id) for link in links if link.kind == kind)

    initial = {
        "kind": letter.kind, "subject": letter.subject, "body": letter.body, "urgency": letter.urgency,
        "classification": letter.classification, "keywords": letter.keywords,
        "signer_position": letter.signer_position_id,
        "to": [r.position_id for r in recipients if r.role == "to" and r.position_id],
        "cc": [r.position_id for r in recipients if r.role == "cc" and r.position_id],
        "to_outside": "\n".join(r.name for r in recipients if r.role == "to" and not r.position_id),
        "cc_outside": "\n".join(r.name for r in recipients if r.role == "cc" and not r.position_id),
        "follows": link_text("follows"), "replies": link_text("replies"),
        **F.ComposeForm.earlier_initial(
            s.position_id for s in letter.signing_steps.order_by("order") if s.position_id != letter.signer_position_id
        ),
    }
    form = _compose_form(request, seat, initial=initial)
    return _page(request, "letters/compose.html", {"form": form, "seat": seat, "letter": letter})


# ---------------------------------------------------------------- register incoming


def _received_at(date: dt.date | None) -> dt.datetime | None:
    if date is None or date == today():
        return None
    now = timezone.now().astimezone(TEHRAN)
    return dt.datetime.combine(date, now.time().replace(microsecond=0), tzinfo=TEHRAN)


@login_required
def register_incoming(request):
    secretariats = list(org_selectors.secretariats_of(request.user))
    if not secretariats:
        raise NotAllowed("ثبت نامه وارده فقط برای کاربران دبیرخانه است.")
    seat = current_seat(request)
    agency_ids = {s.agency_id for s in secretariats}
    positions = list(
        Position.objects.filter(active=True, unit__agency_id__in=agency_ids)
        .select_related("unit").order_by("unit__name", "-is_manager", "title")
    )
    absences = org_selectors.absences([p.id for p in positions])
    series = list(
        NumberSeries.objects.filter(secretariat__in=secretariats, active=True).select_related("secretariat")
    )
    kwargs = {"secretariats": secretariats, "series": series, "positions": positions, "absences": absences}
    if request.method == "POST":
        form = F.IncomingForm(request.POST, request.FILES, **kwargs)
        scans = _uploads(request.FILES.getlist("scans"), is_scan=True)
        others = _uploads(request.FILES.getlist("attachments"))
        if form.is_valid():
            # Scans are checked here too, so that a refused scan is flagged on its own input.
            for scan in scans:
                try:
                    files_check.check(scan.name, scan.content)
                except DomainError as exc:
                    F.apply_error(form, DomainError(exc.message, field="scans"))
                    break
        if form.is_valid():
            d = form.cleaned_data
            refer_to = []
            if d.get("refer_position"):
                refer_to.append(services.ReferralSpec(
                    position_id=d["refer_position"], action=d.get("refer_action") or "action",
                    note=d.get("refer_note") or "", deadline=d.get("refer_deadline"),
                ))
            try:
                letter = services.register_incoming(
                    user=request.user,
                    secretariat=next(s for s in secretariats if s.id == d["secretariat"]),
                    series=next((s for s in series if s.id == d.get("series")), None),
                    subject=d["subject"], sender_name=d["sender_name"], channel=d["channel"],
                    sender_number=to_latin_digits(d.get("sender_number") or ""), sender_date=d.get("sender_date"),
                    received_at=_received_at(d.get("received_date")), body=d.get("body") or "",
                    keywords=d.get("keywords") or "", urgency=d["urgency"], classification=d["classification"],
                    paper_location=d.get("paper_location") or "",
                    uploads=scans + others,
                    refer_to=refer_to, seat=seat,
                )
            except DomainError as exc:
                F.apply_error(form, exc, F.INCOMING_ALIASES)
            else:
                messages.success(request, format_html("نامه وارده با شماره {} ثبت شد.", ltr(letter.number)))
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/incoming.html", {"form": form, "absences": absences}, status=400)
    form = F.IncomingForm(initial={"secretariat": secretariats[0].id}, **kwargs)
    return _page(request, "letters/incoming.html", {"form": form, "absences": absences})


# ---------------------------------------------------------------- refer


@login_required
def refer(request, letter_id):
    seat = _require_seat(request)
    letter = selectors.get_visible_letter(request.user, letter_id)
    positions = [p for p in _agency_positions(seat) if p.id != seat.position.id]
    absences = org_selectors.absences([p.id for p in positions])
    form_kwargs = {"positions": positions, "absences": absences}
    if request.method == "POST":
        formset = F.ReferFormSet(request.POST, prefix="t", form_kwargs=form_kwargs)
        if formset.is_valid():
            targets = [
                services.ReferralSpec(
                    position_id=f.cleaned_data["position"], action=f.cleaned_data["action"],
                    note=f.cleaned_data.get("note") or "", deadline=f.cleaned_data.get("deadline"),
                )
                for f in formset.forms
                if f.cleaned_data.get("position")
            ]
            try:
                services.refer(user=request.user, seat=seat, letter=letter, targets=targets)
            except DomainError as exc:
                if isinstance(exc, NotFound):
                    raise
                _formset_error(formset, exc)
            else:
                messages.success(request, "نامه ارجاع شد.")
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/refer.html", {"formset": formset, "letter": letter, "seat": seat},
                     status=400)
    formset = F.ReferFormSet(prefix="t", form_kwargs=form_kwargs)
    return _page(request, "letters/refer.html", {"formset": formset, "letter": letter, "seat": seat})


def _formset_error(formset, exc: DomainError) -> None:
    aliases = {"to_position": "position"}
    field = aliases.get(exc.field, exc.field)
    for form in formset.forms:
        if form.cleaned_data.get("position") and field in form.fields:
            F.apply_error(form, DomainError(exc.message, field=field))
            return
    formset._non_form_errors = formset.error_class([exc.message])


# ---------------------------------------------------------------- search, follow-up, registration queue


@login_required
def search(request):
    form = F.SearchForm(request.GET or None)
    context = {"form": form, "page": None}
    status = 200
    if form.is_bound:
        if not form.is_valid():
            status = 400
        elif not form.is_empty():
            from dabir.letters.search import normalize_query, search_letters

            d = form.cleaned_data
            results = search_letters(
                request.user, q=d.get("q") or "", number=d.get("number") or "", date_from=d.get("date_from"),
                date_to=d.get("date_to"), kind=d.get("kind") or None, classification=d.get("classification") or None,
            )
            context["page"] = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
            context["querystring"] = _jalali_filter_querystring(request)
            context["words"] = normalize_query(d.get("q") or "")
    return _page(request, "letters/search.html", context, status)


@login_required
def followup(request):
    seat = _require_seat(request)
    agency_id = seat.position.unit.agency_id
    is_clerk_here = bool(_clerk_secretariat_ids(request)) and seat.position.unit.agency.secretariats.filter(
        id__in=_clerk_secretariat_ids(request)
    ).exists()
    if not (seat.position.is_manager or is_clerk_here):
        raise NotAllowed("پیگیری ارجاع‌های دیرکرد برای مدیران و دبیرخانه است.")
    units = list(Unit.objects.filter(agency_id=agency_id).order_by("name"))
    positions = list(org_selectors.directory(agency_id).order_by("unit__name", "title"))
    form = F.FollowupFilterForm(request.GET or None, units=units, positions=positions)
    unit_id = position_id = None
    status = 200
    if form.is_bound:
        if form.is_valid():
            unit_id, position_id = form.cleaned_data.get("unit"), form.cleaned_data.get("position")
        else:
            status = 400
    # The figures count the whole agency; the list shows only letters this user may see.
    counted = selectors.overdue_counts(agency_id=agency_id, unit_id=unit_id, position_id=position_id)
    qs = selectors.overdue_referrals(request.user, agency_id=agency_id, unit_id=unit_id, position_id=position_id)
    rows = counted.values("to_position_id", "to_position__title", "to_position__unit__name").annotate(
        n=Count("id"))
    by_position = sorted(rows, key=lambda r: -r["n"])
    by_unit = Counter()
    for r in rows:
        by_unit[r["to_position__unit__name"]] += r["n"]
    page = Paginator(qs.select_related("from_position__unit"), PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "letters/followup.html", {
        "form": form, "page": page, "by_position": by_position, "by_unit": sorted(by_unit.items(), key=lambda x: -x[1]),
        "total": sum(r["n"] for r in by_position), "today": today(), "querystring": _jalali_filter_querystring(request),
    }, status)


@login_required
def to_register(request):
    if not _clerk_secretariat_ids(request):
        raise NotAllowed("صف ثبت فقط برای کاربران دبیرخانه است.")
    letters = selectors.to_register(request.user).select_related("signer_position__unit", "author_position__unit")
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "letters/to_register.html", {"page": page})


# ---------------------------------------------------------------- printing


@login_required
def letter_print(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    services.record_print(user=request.user, letter=letter, kind=PrintRecord.Kind.LETTER)
    detail = selectors.letter_detail(request.user, letter)
    return render(request, "letters/print.html", {
        **detail,
        "body_fa": persian_digits_html(letter.body),
        "to_recipients": [r for r in detail["recipients"] if r.role == "to"],
        "cc_recipients": [r for r in detail["recipients"] if r.role == "cc"],
        "signer_name": org_selectors.holders([letter.signer_position_id]).get(letter.signer_position_id, "")
        if letter.signer_position_id else "",
    })


@login_required
def referral_sheet(request, letter_id):
    letter = selectors.get_visible_letter(request.user, letter_id)
    services.record_print(user=request.user, letter=letter, kind=PrintRecord.Kind.REFERRAL_SHEET)
    return render(request, "letters/referral_sheet.html", selectors.letter_detail(request.user, letter))


# ---------------------------------------------------------------- folders


@login_required
def folder_detail(request, folder_id):
    """A folder's letters, newest first: only those the user may see."""
    seat = _require_seat(request)
    folder = Folder.objects.filter(pk=folder_id, agency_id=seat.position.unit.agency_id).select_related("unit").first()
    if folder is None:
        raise NotFound("پرونده پیدا نشد.")
    letters = selectors.folder_letters(request.user, folder)
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "letters/folder.html", {"folder": folder, "page": page})


@login_required
def folders(request):
    seat = _require_seat(request)
    status = 200
    if request.method == "POST":
        form = F.FolderForm(request.POST)
        if form.is_valid():
            try:
                folder = services.create_folder(user=request.user, seat=seat, **form.cleaned_data)
            except DomainError as exc:
                F.apply_error(form, exc)
            else:
                messages.success(request, f"پرونده «{folder.title}» ساخته شد.")
                return redirect("folders")
        status = 400
    else:
        form = F.FolderForm()
    rows = (
        Folder.objects.filter(agency_id=seat.position.unit.agency_id)
        .select_related("unit").annotate(n=Count("letters")).order_by("code")
    )
    return _page(request, "letters/folders.html", {"form": form, "folders": rows}, status)
