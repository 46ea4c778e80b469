"""The address book «دفترچه نشانی‌ها»: staff of an agency read it (to address letters), its clerks and
admins keep it (channels.policy). Every write is a call to channels.services.contacts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from dabir.core import tables
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import normalize, to_latin_digits
from dabir.letters.forms import apply_error

from .. import contact_forms as F
from .. import policy
from ..models import Correspondent
from ..services import contacts as services

PAGE_SIZE = 30


def _filtered(request):
    agencies = list(policy.staff_agencies(request.user).order_by("name"))
    form = F.ContactFilterForm(request.GET or None, agencies=agencies)
    data = form.cleaned_data if form.is_valid() else {}
    rows = policy.contacts_of(request.user).select_related("agency")
    if not data.get("inactive"):
        rows = rows.filter(active=True)
    if data.get("agency"):
        rows = rows.filter(agency_id=data["agency"])
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    q = (data.get("q") or "").strip()
    if q:
        # The name as search folds it (ي/ك, half-spaces, digits); the e-mail as typed; numbers by their digits.
        match = Q(search_name__contains=normalize(" ".join(q.split()))) | Q(email__icontains=to_latin_digits(q))
        digits = "".join(ch for ch in to_latin_digits(q) if ch.isdigit())
        if len(digits) >= 3:
            match |= Q(fax__contains=digits) | Q(phone__contains=digits)
        rows = rows.filter(match)
    return form, agencies, rows.order_by("name", "id")


@login_required
def contacts(request):
    form, agencies, rows = _filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    keeps = set(policy.keeper_agencies(request.user).values_list("pk", flat=True))
    return render(request, "channels/contacts.html", {
        "form": form, "page": page, "querystring": params.urlencode(), "keeps": keeps,
        "can_keep": bool(keeps), "many_agencies": len(agencies) > 1,
    })


def _keeper_agencies(request) -> list:
    agencies = list(policy.keeper_agencies(request.user).order_by("name"))
    if not agencies:
        raise NotAllowed("دفترچه نشانی‌ها را دبیرخانه و مدیران سامانه دستگاه نگه می‌دارند.")
    return agencies


def _pick_agency(form, agencies):
    chosen = form.cleaned_data.get("agency") if "agency" in form.fields else agencies[0].id
    return next(a for a in agencies if a.id == chosen)


def _editable(request, pk) -> Correspondent:
    row = policy.contacts_of(request.user).select_related("agency").filter(pk=pk).first()
    if row is None:
        raise Http404
    policy.check_keep_contacts(request.user, row.agency)
    return row


def _save(request, row: Correspondent | None):
    agencies = [row.agency] if row else _keeper_agencies(request)
    initial = {k: getattr(row, k) for k in services.FIELDS} if row else None
    form = F.ContactForm(request.POST or None, initial=initial, agencies=agencies, editing=row is not None)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_correspondent(user=request.user, agency=_pick_agency(form, agencies),
                                                correspondent=row, **form.service_fields())
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"«{saved.name}» در دفترچه نشانی‌ها ذخیره شد.")
            return redirect("channels:contacts")
    status = 400 if request.method == "POST" else 200
    return render(request, "channels/contacts_form.html", {"form": form, "row": row}, status=status)


@login_required
def contact_new(request):
    return _save(request, None)


@login_required
def contact_edit(request, pk):
    return _save(request, _editable(request, pk))


@login_required
@require_POST
def contact_deactivate(request, pk):
    row = services.deactivate(user=request.user, correspondent=_editable(request, pk))
    messages.success(request, f"«{row.name}» غیرفعال شد و دیگر پیشنهاد نمی‌شود.")
    return redirect("channels:contacts")


@login_required
def contact_import(request):
    agencies = _keeper_agencies(request)
    form = F.ImportForm(request.POST or None, request.FILES or None, agencies=agencies)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.import_csv(user=request.user, agency=_pick_agency(form, agencies),
                                         content=form.cleaned_data["file"].read())
        except DomainError as exc:
            apply_error(form, exc)
    status = 400 if request.method == "POST" and (result is None or result.errors) else 200
    return render(request, "channels/contacts_import.html",
                  {"form": form, "result": result, "columns": services.LABELS}, status=status)


EXPORT_COLUMNS = [tables.Column(key, label) for key, label in services.LABELS.items()]


@login_required
def contact_export(request, fmt):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    _, _, rows = _filtered(request)
    sheet = tables.Sheet("دفترچه نشانی‌ها", EXPORT_COLUMNS, [
        {**{k: getattr(c, k) for k in services.LABELS}, "kind": c.get_kind_display(),
         "prefer": c.get_prefer_display() if c.prefer else ""}
        for c in rows
    ])
    if fmt == "xlsx":
        body = tables.to_xlsx(sheet)
        kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body, kind = tables.to_csv(sheet), "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=kind)
    response["Content-Disposition"] = content_disposition_header(True, f"contacts.{fmt}")
    return response


urlpatterns = [
    path("contacts/", contacts, name="contacts"),
    path("contacts/new/", contact_new, name="contact_new"),
    path("contacts/<int:pk>/", contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/deactivate/", contact_deactivate, name="contact_deactivate"),
    path("contacts/import/", contact_import, name="contact_import"),
    path("contacts/export.<str:fmt>", contact_export, name="contact_export"),
]
