"""Filing a complaint (signed-in citizens) and a complaint's status page."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from dabir.accounts.decorators import citizen_required
from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits
from dabir.orgs.models import Agency

from .. import forms
from ..models import Complaint
from ._shared import group_code


@never_cache
@citizen_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    from .. import selectors

    own = list(selectors.requests_of(request.user))
    agencies = Agency.objects.filter(desk__isnull=False).order_by("name")
    if request.method == "GET":
        initial = {}
        code = to_latin_digits(request.GET.get("request", ""))[:16]
        if any(r.tracking_code == code for r in own):
            initial = {"about": Complaint.About.REQUEST, "request_code": code}
        form = forms.ComplaintForm(initial=initial, agencies=agencies, requests=own)
        return render(request, "desk/complaint_new.html", {"form": form})
    form = forms.ComplaintForm(request.POST, agencies=agencies, requests=own)
    if not form.is_valid():
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    data = form.cleaned_data
    agency = Agency.objects.filter(pk=data["agency"]).first()
    if agency is None:
        form.add_error("agency", "دستگاه را از فهرست برگزینید.")
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    from .. import services

    try:
        complaint = services.file_complaint(
            user=request.user, national_code=request.user.national_code, mobile=request.user.mobile,
            about=data["about"], agency=agency, text=data["text"], request=data["request"],
            employee_name=(data.get("employee_name") or "").strip(),
        )
    except DomainError as exc:
        field = {"request": "request_code"}.get(exc.field, exc.field)
        form.add_error(field if field in form.fields else None, exc.message)
        return render(request, "desk/complaint_new.html", {"form": form}, status=400)
    messages.success(request, "شکایت شما ثبت شد.")
    return redirect("desk:complaint", tracking_code=complaint.tracking_code)


@never_cache
@citizen_required
@require_GET
def complaint_detail(request, tracking_code: str):
    from .. import selectors

    try:
        complaint = selectors.complaint_of_citizen(request.user, tracking_code)
    except DomainError:
        raise Http404 from None
    styles = {"submitted": "info", "in_progress": "primary", "answered": "success", "closed": "secondary"}
    return render(request, "desk/complaint.html", {
        "complaint": complaint, "grouped": group_code(complaint.tracking_code),
        "status_style": styles.get(complaint.status, "secondary"),
    })

