"""The secretariat's queue of signed letters waiting to be numbered."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator

from dabir.core.errors import NotAllowed

from .. import selectors
from ._shared import PAGE_SIZE, _clerk_secretariat_ids, _page


@login_required
def to_register(request):
    if not _clerk_secretariat_ids(request):
        raise NotAllowed("صف ثبت فقط برای کاربران دبیرخانه است.")
    letters = selectors.to_register(request.user).select_related("signer_position__unit", "author_position__unit")
    page = Paginator(letters, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, "letters/to_register.html", {"page": page})
