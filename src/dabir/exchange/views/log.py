"""The message log pages: every signed message in and out, one message's header and exact bytes,
the refusals and the outbox. Who sees what is policy.messages_of / transfers_of / can_see_refusals."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import parse_date

from .. import envelope, policy
from ..models import Direction, Kind, Member, Message, Refusal, TransferState

PAGE_SIZE = 50


def _require_log(user) -> None:
    if not policy.can_see_log(user):
        raise NotAllowed("دفتر پیام‌های تبادل برای مدیران سامانه دستگاه‌هاست.")


def _day_bound(text: str, field: str, *, end: bool) -> dt.datetime | None:
    if not text.strip():
        return None
    day = parse_date(text, field=field)
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start + dt.timedelta(days=1) if end else start


def _answered(messages: list[Message], visible) -> dict[int, Message]:
    """For each message that refers to another, the logged message it answers (the other direction
    on this server first: a receipt we received answers a letter we sent)."""
    ids = {m.refers_to for m in messages if m.refers_to}
    found: dict = {}
    for target in visible.filter(message_id__in=ids).order_by("created_at"):
        found.setdefault(target.message_id, []).append(target)
    out = {}
    for m in messages:
        candidates = found.get(m.refers_to) or []
        other = [t for t in candidates if t.direction != m.direction]
        if candidates:
            out[m.pk] = (other or candidates)[0]
    return out



def _querystring(request) -> str:
    """The filters of a list page, for its pager links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def message_list(request):
    _require_log(request.user)
    visible = policy.messages_of(request.user)
    rows = visible.defer("raw")
    f = {k: request.GET.get(k, "").strip() for k in ("direction", "kind", "member", "since", "until")}
    if f["direction"] in Direction.values:
        rows = rows.filter(direction=f["direction"])
    if f["kind"] in Kind.values:
        rows = rows.filter(kind=f["kind"])
    if f["member"]:
        rows = rows.filter(sender=f["member"]) | rows.filter(receiver=f["member"])
    error = ""
    try:
        since = _day_bound(f["since"], "since", end=False)
        until = _day_bound(f["until"], "until", end=True)
    except DomainError as exc:
        error, since, until = exc.message, None, None
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    answered = _answered(list(page.object_list), visible.defer("raw"))
    names = dict(Member.objects.values_list("code", "name"))
    items = [{"m": m, "answers": answered.get(m.pk), "sender_name": names.get(m.sender, ""),
              "receiver_name": names.get(m.receiver, "")} for m in page.object_list]
    return render(request, "exchange/log.html", {
        "page": page, "querystring": _querystring(request), "items": items, "f": f, "error": error, "directions": Direction.choices,
        "kinds": Kind.choices, "members": Member.objects.order_by("name").values_list("code", "name"),
        "can_see_refusals": policy.can_see_refusals(request.user),
    }, status=400 if error else 200)


def _visible_message(request, message_id: int) -> Message:
    message = policy.messages_of(request.user).filter(pk=message_id).first()
    if message is None:
        raise Http404("پیامی با این شناسه در دفتر شما نیست.")
    return message


def header(raw: bytes) -> tuple[list[tuple[str, str]], str]:
    """The signed header of a logged message as (label, value) rows, and a problem if it does not
    check. Only the envelope is shown: a letter's subject and number stay on the letter's page."""
    try:
        opened = envelope.open_message(raw)
    except DomainError as exc:
        return [], exc.message
    root = opened.root
    rows = [("نوع", dict(Kind.choices).get(opened.kind, opened.kind)), ("شناسه پیام", str(opened.message_id)),
            ("زمان ساخت", root.get("created") or "")]
    for tag, label in (("From", "فرستنده"), ("To", "گیرنده")):
        code, name = envelope.party(root, tag)
        rows.append((label, f"{name} ({code})"))
    refers = root.find(envelope.q("RefersTo"))
    if refers is not None:
        rows += [("در پاسخ به پیام", refers.get("message")), ("چکیده پیام پاسخ‌داده", refers.get("sha256"))]
    for tag, label in (("Status", "وضعیت رسید"), ("InquiryId", "شناسه استعلام"), ("Type", "نوع استعلام"),
                       ("Deadline", "مهلت پاسخ")):
        text = root.findtext(envelope.q(tag))
        if text:
            rows.append((label, text))
    rows += [("اثر انگشت گواهی امضاکننده", opened.fingerprint), ("امضا", "با محتوای پیام می‌خواند")]
    return rows, ""


@login_required
def message_detail(request, message_id: int):
    _require_log(request.user)
    message = _visible_message(request, message_id)
    rows, problem = header(bytes(message.raw))
    visible = policy.messages_of(request.user).defer("raw")
    answers = _answered([message], visible).get(message.pk)
    replies = visible.filter(refers_to=message.message_id).exclude(pk=message.pk)
    return render(request, "exchange/log_message.html", {
        "m": message, "rows": rows, "problem": problem, "answers": answers, "replies": replies,
        "can_read_raw": policy.can_read_raw(request.user, message),
    })


@login_required
def message_raw(request, message_id: int):
    _require_log(request.user)
    message = _visible_message(request, message_id)
    if not policy.can_read_raw(request.user, message):
        raise NotAllowed("متن این پیام نامه‌ای را در بر دارد که شما اجازه دیدن آن را ندارید.")
    response = HttpResponse(bytes(message.raw), content_type=envelope.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{message.direction}-{message.message_id}.xml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
def refusal_list(request):
    if not policy.can_see_refusals(request.user):
        raise NotAllowed("پیام‌های ردشده را تنها مدیر کل سامانه می‌بیند.")
    page = Paginator(Refusal.objects.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/log_refusals.html", {"page": page})


@login_required
def transfer_list(request):
    _require_log(request.user)
    rows = policy.transfers_of(request.user).select_related("member", "sender", "message").defer("message__raw")
    state = request.GET.get("state", "")
    if state in TransferState.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/log_transfers.html", {
        "page": page, "querystring": _querystring(request), "state": state, "states": TransferState.choices,
        "can_see_refusals": policy.can_see_refusals(request.user),
    })
