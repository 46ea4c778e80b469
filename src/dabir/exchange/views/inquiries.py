"""Inquiry pages: the list, a new inquiry (type, then a form from its question schema), and one
inquiry with its signed messages and, for the answering clerks, the answer form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from dabir.core.errors import DomainError
from dabir.orgs.selectors import acting_seat

from .. import policy, services
from ..inquiry_forms import AskForm, SchemaForm, titles
from ..models import Direction, Inquiry

PAGE_SIZE = 25



def _querystring(request) -> str:
    """The filters of a list page, for its pager links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@login_required
def inquiry_list(request):
    rows = policy.inquiries_of(request.user).select_related("type", "asker", "answerer")
    direction = request.GET.get("direction", "")
    if direction in Direction.values:
        rows = rows.filter(direction=direction)
    state = request.GET.get("state", "")
    if state in Inquiry.State.values:
        rows = rows.filter(state=state)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "exchange/inquiries.html", {
        "page": page, "querystring": _querystring(request), "now": timezone.now(), "direction": direction, "state": state,
        "directions": Direction.choices, "states": Inquiry.State.choices,
    })


@login_required
def inquiry_new(request):
    seat = acting_seat(request)  # a Persian refusal for a user with no position
    agency = seat.position.unit.agency
    types = policy.askable_types(agency).select_related("member")
    chosen = None
    raw_type = request.POST.get("type") or request.GET.get("type") or ""
    if raw_type:
        chosen = types.filter(pk=int(raw_type)).first() if raw_type.isdigit() and len(raw_type) < 19 else None
        if chosen is None:
            messages.error(request, "این نوع استعلام برای دستگاه شما در دسترس نیست.")
    if chosen is None:
        return render(request, "exchange/inquiry_types.html", {"types": types, "agency": agency})
    initial = {AskForm.LETTER: request.GET.get("letter", "")}
    form = AskForm(chosen.question_schema, request.POST if request.method == "POST" else None,
                   user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            inquiry = services.ask(user=request.user, agency=agency, inquiry_type=chosen, question=form.payload(),
                                   letter=form.cleaned_data.get(AskForm.LETTER))
        except DomainError as exc:
            form.add_refusal(exc)
        else:
            messages.success(request, f"استعلام «{chosen.name}» در صف ارسال به «{chosen.member.name}» قرار گرفت.")
            return redirect("exchange:inquiry", inquiry_id=inquiry.pk)
    return render(request, "exchange/inquiry_new.html", {"type": chosen, "form": form, "agency": agency},
                  status=400 if form.errors else 200)


@login_required
def inquiry_detail(request, inquiry_id: int):
    inquiry = (policy.inquiries_of(request.user)
               .select_related("type", "asker", "answerer", "letter", "asked_by", "answered_by", "question_message",
                               "answer_message", "transfer__message")
               .filter(pk=inquiry_id).first())
    if inquiry is None:
        raise Http404("استعلامی با این شناسه یافت نشد.")
    can_answer = policy.can_answer(request.user, inquiry)
    form = None
    if can_answer:
        form = SchemaForm(inquiry.type.answer_schema, request.POST if request.method == "POST" else None,
                          prefix="answer")
        if request.method == "POST" and form.is_valid():
            try:
                services.answer_inquiry(user=request.user, inquiry=inquiry, answer=form.payload())
            except DomainError as exc:
                form.add_refusal(exc)
            else:
                messages.success(request, "پاسخ استعلام امضا و در صف ارسال قرار گرفت.")
                return redirect("exchange:inquiry", inquiry_id=inquiry.pk)
    elif request.method == "POST":
        messages.error(request, "پاسخ این استعلام با شما نیست یا پیش‌تر پاسخ داده شده است.")
    # The asking side sent the question and received the answer; the answering side the reverse.
    sent = inquiry.transfer.message if inquiry.transfer else None
    if inquiry.direction == Direction.OUT:
        signed = [("پرسش", sent), ("پاسخ", inquiry.answer_message)]
    else:
        signed = [("پرسش", inquiry.question_message), ("پاسخ", sent)]
    signed = [(label, m) for label, m in signed if m is not None]
    in_log = set(policy.messages_of(request.user).filter(pk__in=[m.pk for _, m in signed]).values_list("pk", flat=True))
    return render(request, "exchange/inquiry.html", {
        "inquiry": inquiry, "form": form, "now": timezone.now(),
        "question": titles(inquiry.type.question_schema, inquiry.question),
        "answer": titles(inquiry.type.answer_schema, inquiry.answer), "signed": signed, "in_log": in_log,
        "late": inquiry.state == Inquiry.State.WAITING and inquiry.deadline < timezone.now(),
    }, status=400 if form is not None and form.errors else 200)
