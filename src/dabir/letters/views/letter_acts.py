"""The letter page's action posts: complete, close, archive, file, approve, return, submit for
signature, register, dispatch, void. Each is a form, one service call and a redirect, or the
page again with 400.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed, NotFound

from .. import forms as F
from .. import selectors, services
from ..models import Folder, Status
from ._shared import _page, _safe_next, current_seat
from .letter_page import _letter_context


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
