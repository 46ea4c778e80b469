"""«هامش‌های آماده من» (a user's own ready margin notes) and starting a letter from a template."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_POST

from dabir.core.errors import DomainError, NotFound
from dabir.core.text import to_latin_digits

from .. import forms as F
from .. import policy
from ..models import LetterTemplate, ReadyNote
from ..services import writing
from ._shared import _page, _require_seat
from .drafts import _compose_form


def _notes_page(request, form, status=200, editing=None):
    notes = list(ReadyNote.objects.filter(user=request.user).order_by("order", "id"))
    agency_notes = [n for n in policy.ready_notes_for(request.user) if n.user_id is None]
    return _page(request, "letters/writing/ready_notes.html",
                 {"form": form, "notes": notes, "agency_notes": agency_notes, "editing": editing,
                  "max_notes": writing.MAX_OWN_NOTES}, status=status)


@login_required
def ready_notes(request):
    """The list of one's own ready notes with the form to add one."""
    if request.method == "POST":
        form = F.ReadyNoteForm(request.POST)
        if form.is_valid():
            try:
                writing.save_ready_note(user=request.user, **form.cleaned_data)
            except DomainError as exc:
                F.apply_error(form, exc)
            else:
                messages.success(request, "هامش آماده افزوده شد.")
                return redirect("ready_notes")
        return _notes_page(request, form, status=400)
    return _notes_page(request, F.ReadyNoteForm())


def _own_note(request, note_id) -> ReadyNote:
    # Another person's note is not found (its text is theirs), the service refuses it besides.
    return get_object_or_404(ReadyNote, pk=note_id, user=request.user)


@login_required
def ready_note_edit(request, note_id):
    note = _own_note(request, note_id)
    if request.method == "POST":
        form = F.ReadyNoteForm(request.POST)
        if form.is_valid():
            try:
                writing.save_ready_note(user=request.user, note=note, **form.cleaned_data)
            except DomainError as exc:
                F.apply_error(form, exc)
            else:
                messages.success(request, "هامش آماده به‌روز شد.")
                return redirect("ready_notes")
        return _notes_page(request, form, status=400, editing=note)
    return _notes_page(request, F.ReadyNoteForm(initial={"text": note.text, "action": note.action}), editing=note)


@login_required
@require_POST
def ready_note_move(request, note_id):
    note = _own_note(request, note_id)
    writing.move_ready_note(user=request.user, note=note, up=request.POST.get("direction") != "down")
    return redirect("ready_notes")


@login_required
@require_POST
def ready_note_delete(request, note_id):
    note = _own_note(request, note_id)
    writing.delete_ready_note(user=request.user, note=note)
    messages.success(request, "هامش آماده حذف شد.")
    return redirect("ready_notes")


def _template_of(seat, raw) -> LetterTemplate:
    """The chosen template, when it is one the seat may use; else the policy's Persian refusal."""
    raw = to_latin_digits(str(raw or "")).strip()
    template = LetterTemplate.objects.filter(pk=int(raw)).first() if raw.isdigit() and len(raw) < 10 else None
    if template is None:
        raise NotFound("این الگو پیدا نشد؛ الگویی از فهرست برگزینید.", field="template")
    policy.check_template(seat, template)
    return template


@login_required
@require_GET
def template_fill(request, template_id):
    """The template's subject and body filled for the draft being written (the compose page's script
    sends its recipients), with what the user should know about placeholders left in the text."""
    seat = _require_seat(request)
    try:
        template = _template_of(seat, str(template_id))
    except DomainError as exc:
        return JsonResponse({"error": exc.message}, status=exc.status)
    to_names = [line for line in request.GET.get("to_outside", "").splitlines() if line.strip()]
    filled = writing.fill_template(user=request.user, seat=seat, template=template,
                                   to_positions=request.GET.getlist("to"), to_names=to_names)
    return JsonResponse({"subject": filled.subject, "body": filled.body, "kind": filled.kind,
                         "unknown": filled.unknown, "empty": filled.empty, "notices": filled.notices()})


@login_required
@require_GET
def compose_from_template(request):
    """«شروع از الگو» without scripts: the compose page, its subject and body taken from the template."""
    seat = _require_seat(request)
    try:
        template = _template_of(seat, request.GET.get("template", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("compose")
    filled = writing.fill_template(user=request.user, seat=seat, template=template)
    for notice in filled.notices():
        messages.warning(request, notice)
    form = _compose_form(request, seat, initial={"kind": filled.kind, "subject": filled.subject,
                                                 "body": filled.body})
    return _page(request, "letters/compose.html", {"form": form, "seat": seat, "chosen_template": template.id})
