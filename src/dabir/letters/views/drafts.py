"""Composing a draft (also a reply) and editing it, with its signing circuit."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits

from .. import forms as F
from .. import policy, selectors, services
from ..models import Kind
from ._shared import _agency_positions, _page, _require_seat, _uploads


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
        data, files, initial=initial, positions=positions, signers=signers, link_resolver=_link_resolver(request.user),
        user=request.user,
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
