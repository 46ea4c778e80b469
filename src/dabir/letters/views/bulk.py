"""Work in bulk: the inbox's bar (mark read, refer, file, complete) and the secretariat queue's
(register, dispatch), and the queue's list of letters waiting to be sent.

Every post checks its input with a form and calls one service of letters.services.bulk. Success goes
back to the list with a message; anything else renders the bulk page (letters/bulk.html): the letters
chosen, the act's fields as typed, and what was refused, so nothing typed is lost and one click does
the rest. Without JavaScript the bar's «ارجاع…», «پرونده…» and «انجام شد…» buttons post `start`,
which opens that page with the act's empty fields.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed, NotFound
from dabir.core.text import to_persian_digits
from dabir.orgs import selectors as org_selectors
from dabir.orgs.selectors import Seat

from .. import forms as F
from .. import policy
from ..models import Channel, Folder
from ..services import ReferralSpec, bulk
from ._shared import PAGE_SIZE, _agency_positions, _clerk_secretariat_ids, _page, _require_seat, _safe_next

INBOX_ACTS = ("read", "refer", "file", "complete")
QUEUE_ACTS = ("register", "dispatch")
# Acts whose fields the bar asks for in a dialog (a page of their own without JavaScript).
_WITH_FIELDS = ("refer", "file", "complete")

_DONE = {
    "read": "{n} نامه خوانده‌شده علامت خورد.",
    "refer": "{n} نامه ارجاع شد.",
    "file": "{n} نامه در پرونده گذاشته شد.",
    "complete": "ارجاع {n} نامه انجام‌شده ثبت شد.",
    "register": "{n} نامه ثبت و شماره‌گذاری شد.",
    "dispatch": "ارسال {n} نامه ثبت شد.",
}
_TITLES = {
    "read": "علامت خوانده‌شده برای چند نامه", "refer": "ارجاع چند نامه", "file": "گذاشتن چند نامه در پرونده",
    "complete": "انجام ارجاع چند نامه", "register": "ثبت و شماره‌گذاری چند نامه", "dispatch": "ارسال چند نامه",
}


def inbox_forms(seat: Seat, data=None) -> dict:
    """The inbox bar's forms for a seat (bound to `data` when given): refer, file, complete."""
    positions = [p for p in _agency_positions(seat) if p.id != seat.position.id]
    absences = org_selectors.absences([p.id for p in positions])
    folders = list(Folder.objects.filter(agency_id=seat.position.unit.agency_id).order_by("code"))
    return {
        "refer": F.BulkReferForm(data, prefix="refer", positions=positions, absences=absences),
        "file": F.FileForm(data, prefix="file", folders=folders),
        "complete": F.NoteForm(data, prefix="complete"),
        "folders": folders,
    }


@login_required
@require_POST
def bulk_inbox(request):
    seat = _require_seat(request)
    back = _safe_next(request, reverse("inbox"))
    start = request.POST.get("start")
    if start in _WITH_FIELDS and "act" not in request.POST:
        # No JavaScript: the bar asked for the act's fields; show them, empty, with the letters chosen.
        forms = inbox_forms(seat)
        return _bulk_page(request, start, forms.get(start), back, reverse("bulk_inbox"), status=200)
    selection = F.BulkSelectionForm(request.POST, acts=INBOX_ACTS)
    act = request.POST.get("act") if request.POST.get("act") in INBOX_ACTS else None
    forms = inbox_forms(seat, request.POST)
    form = forms[act] if act in _WITH_FIELDS else None

    def call(ids):
        if act == "read":
            return bulk.mark_read(user=request.user, seat=seat, letter_ids=ids)
        if act == "refer":
            d = form.cleaned_data
            targets = [ReferralSpec(pid, d["action"], d.get("note") or "", d.get("deadline"))
                       for pid in d["positions"]]
            return bulk.refer(user=request.user, seat=seat, letter_ids=ids, targets=targets)
        if act == "file":
            folder = next(f for f in forms["folders"] if f.id == form.cleaned_data["folder"])
            return bulk.file_letters(user=request.user, seat=seat, letter_ids=ids, folder=folder)
        return bulk.complete(user=request.user, seat=seat, letter_ids=ids, note=form.cleaned_data.get("note") or "")

    return _act(request, act, selection, form, call, back, reverse("bulk_inbox"))


@login_required
@require_POST
def bulk_queue(request):
    if not _clerk_secretariat_ids(request):
        raise NotAllowed("صف ثبت فقط برای کاربران دبیرخانه است.")
    act = request.POST.get("act") if request.POST.get("act") in QUEUE_ACTS else None
    back = _safe_next(request, reverse("to_dispatch" if act == "dispatch" else "to_register"))
    selection = F.BulkSelectionForm(request.POST, acts=QUEUE_ACTS)
    form = F.BulkDispatchForm(request.POST) if act == "dispatch" else None

    def call(ids):
        if act == "register":
            return bulk.register(user=request.user, letter_ids=ids)
        return bulk.dispatch(user=request.user, letter_ids=ids, channel=form.cleaned_data.get("channel") or None)

    return _act(request, act, selection, form, call, back, reverse("bulk_queue"))


def _act(request, act, selection, form, call, back: str, action_url: str):
    """Form → one bulk service → back to the list with a message; else the bulk page with what went wrong."""
    valid = selection.is_valid()
    valid = (form is None or form.is_valid()) and valid
    refusals, failure = [], None
    if valid:
        try:
            batch = call(selection.cleaned_data["letters"])
        except bulk.BatchRefused as exc:
            refusals = exc.refusals
        except bulk.BatchFailed as exc:
            failure = exc
            if form is not None and exc.field:
                _field_error(form, exc)
        except DomainError as exc:
            if isinstance(exc, NotFound):
                raise
            failure = exc
            if form is not None and exc.field:
                _field_error(form, exc)
        else:
            messages.success(request, _done_message(batch))
            return redirect(back)
    status = 409 if refusals else (getattr(failure, "status", 400) if failure else 400)
    return _bulk_page(request, act, form, back, action_url, selection=selection, refusals=refusals,
                      failure=failure, status=status)


def _field_error(form, exc: DomainError) -> None:
    field = F.BULK_ALIASES.get(exc.field, exc.field)
    if field in form.fields and not form.has_error(field):
        form.add_error(field, exc.message)


def _done_message(batch: bulk.Batch) -> str:
    said = _DONE[batch.act].format(n=to_persian_digits(len(batch.done)))
    if batch.unchanged:
        said += f" ({to_persian_digits(len(batch.unchanged))} نامه پیش‌تر خوانده شده بود.)"
    if batch.act == "dispatch":
        by = {}
        for letter in batch.done:
            by.setdefault(Channel(letter.bulk_channel).label, []).append(letter)
        said += " " + "، ".join(f"{label}: {to_persian_digits(len(ls))}" for label, ls in by.items())
    return said


def _posted_ids(request) -> list[int]:
    """The ids posted, as far as they are ids (the form says what is wrong with the rest)."""
    ids = []
    for raw in request.POST.getlist("letters")[: policy.BULK_LIMIT]:
        try:
            value = int(str(raw).strip())
        except ValueError:
            continue
        if value > 0 and value not in ids:
            ids.append(value)
    return ids


def _bulk_page(request, act, form, back, action_url, *, selection=None, refusals=(), failure=None, status=400):
    """The letters chosen (those the user may see; others by id only), the act's fields and the problems."""
    ids = _posted_ids(request)
    found = policy.bulk_letters(request.user, ids)
    refused = {r.letter_id: r for r in refusals}
    rows = [{"id": i, "letter": found.get(i), "refusal": refused.get(i)} for i in ids]
    hidden = [r for r in rows if r["letter"] is None]
    context = {
        "act": act, "title": _TITLES.get(act, "اقدام گروهی"), "act_label": bulk.ACT_LABELS.get(act, ""), "form": form, "selection": selection,
        "rows": [r for r in rows if r["letter"] is not None], "hidden_ids": [r["id"] for r in hidden],
        "refusals": list(refusals), "failure": failure, "back": back, "action_url": action_url,
        "allowed_count": sum(1 for r in rows if r["letter"] is not None and r["refusal"] is None),
    }
    return _page(request, "letters/bulk.html", context, status=status)


@login_required
def to_dispatch(request):
    """The secretariat's registered outgoing letters not yet sent, each with the channel it would go by."""
    if not _clerk_secretariat_ids(request):
        raise NotAllowed("صف ثبت فقط برای کاربران دبیرخانه است.")
    letters = policy.dispatch_queue(request.user).select_related(
        "signer_position__unit", "author_position__unit").prefetch_related("recipients")
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    channels = bulk.default_channels(page)
    for letter in page:
        picked = channels.get(letter.pk)
        letter.default_channel = Channel(picked).label if picked else None
    return _page(request, "letters/to_dispatch.html", {"page": page, "dispatch_form": F.BulkDispatchForm()})
