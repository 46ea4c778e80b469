"""Folders (پرونده): the list with a form to create one, and a folder's letters."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect

from dabir.core.errors import DomainError, NotFound

from .. import forms as F
from .. import selectors, services
from ..models import Folder
from ._shared import PAGE_SIZE, _page, _require_seat


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
