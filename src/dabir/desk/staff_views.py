"""Staff pages of the service desk, mounted at /desk-staff/ (staff_urls.py): requests at my positions,
the agency's late requests, and the desk actions posted from the panel on a request's letter page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dabir.core import files
from dabir.core.errors import DomainError
from dabir.orgs.selectors import seats_of

from . import selectors, services
from .models import Complaint, ServiceRequest


def _staff_request(user, request_id) -> ServiceRequest:
    req = selectors.staff_requests(user).filter(pk=request_id).first()
    if req is None:
        raise Http404("درخواست پیدا نشد یا به سمت‌های شما ارجاع نشده است.")
    return req


def _back(req: ServiceRequest, letter_id=None):
    return redirect("letter_detail", letter_id or req.letter_id)


def _act(request, req, call, done: str):
    try:
        call()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return _back(req, request.POST.get("letter_id") if str(request.POST.get("letter_id", "")).isdigit() else None)


@login_required
def staff_list(request):
    rows = selectors.staff_requests(request.user, open_only=request.GET.get("all") != "1").select_related("version")
    return render(request, "desk/staff_list.html", {"rows": rows[:300], "show_all": request.GET.get("all") == "1"})


@login_required
def late_list(request):
    agencies = list(selectors.late_agencies(request.user)[:20])
    if not agencies:
        return render(request, "desk/staff_late.html", {"refused": True}, status=403)
    groups = [(a, list(selectors.late_requests(a)[:300])) for a in agencies]
    return render(request, "desk/staff_late.html", {"groups": groups})


@login_required
@require_POST
def decide(request, request_id: int):
    req = _staff_request(request.user, request_id)
    return _act(request, req, lambda: services.decide_stage(
        user=request.user, position_id=request.POST.get("position_id"), request=req,
        outcome=request.POST.get("outcome", ""), note=request.POST.get("note", ""),
        public_note=request.POST.get("public_note", "")), "تصمیم مرحله ثبت شد و به متقاضی پیامک شد.")


@login_required
@require_POST
def ask_documents(request, request_id: int):
    req = _staff_request(request.user, request_id)
    return _act(request, req, lambda: services.request_documents(
        user=request.user, position_id=request.POST.get("position_id"), request=req,
        codes=request.POST.getlist("codes"), note=request.POST.get("note", "")),
        "مدارک تکمیلی از متقاضی خواسته شد؛ مهلت مرحله تا رسیدن مدارک متوقف است.")


@login_required
@require_POST
def sign_result(request, request_id: int):
    req = _staff_request(request.user, request_id)
    return _act(request, req, lambda: services.sign_result(
        user=request.user, position_id=request.POST.get("position_id"), request=req),
        "نتیجه امضا شد و به متقاضی خبر داده شد.")


@login_required
def document(request, request_id: int, document_id: int):
    req = _staff_request(request.user, request_id)
    doc = req.documents.filter(pk=document_id).first()
    if doc is None:
        raise Http404("مدرک پیدا نشد.")
    response = files.file_response(doc.file, content_type=doc.content_type)
    ascii_name = "".join(ch if ch.isascii() and (ch.isalnum() or ch in "-_.") else "_" for ch in doc.name)
    response["Content-Disposition"] = f'inline; filename="{ascii_name}"'
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def answer_complaint(request, complaint_id: int):
    complaint = Complaint.objects.filter(pk=complaint_id).select_related("letter").first()
    seats = {s.position.id for s in seats_of(request.user)}
    if complaint is None or complaint.letter is None or not complaint.letter.referrals.filter(
            to_position_id__in=seats).exists():
        raise Http404("شکایت پیدا نشد.")
    try:
        services.answer_complaint(user=request.user, position_id=request.POST.get("position_id"),
                                  complaint=complaint, answer=request.POST.get("answer", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "پاسخ شکایت ثبت و به شاکی پیامک شد.")
    return redirect("letter_detail", complaint.letter_id)
