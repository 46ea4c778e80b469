"""The staff SMS outbox page (newest messages first, mobiles masked, filter by mobile), and each user's
own notices: the list behind the bell, opening one, marking all read, and the preferences of copies."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError
from dabir.core.text import to_latin_digits, to_persian_digits

from . import notices as notice_services
from . import preferences as preference_services
from . import selectors
from .forms import PreferencesForm
from .models import SmsMessage, SmsStatus


def _is_staff(user) -> bool:
    return user.is_active and (user.is_staff or user.is_superuser)


@login_required
def outbox(request):
    if not _is_staff(request.user):
        return render(request, "error.html", {"message": "صندوق پیامک‌ها فقط برای کارکنان پشتیبانی سامانه است."},
                      status=403)
    messages = SmsMessage.objects.order_by("-id")
    mobile = to_latin_digits(request.GET.get("mobile", "")).strip()[:20]
    digits = "".join(ch for ch in mobile if ch.isdigit())
    if digits:
        if len(digits) >= 10:  # a whole number: match it exactly (09… or its last ten digits)
            messages = messages.filter(mobile__endswith=digits[-10:])
        else:
            messages = messages.filter(mobile__contains=digits)
    status = request.GET.get("status", "")
    if status in SmsStatus.values:
        messages = messages.filter(status=status)
    page = Paginator(messages, 50).get_page(request.GET.get("page"))
    return render(request, "notify/outbox.html", {
        "page": page, "mobile": mobile, "status": status, "statuses": SmsStatus.choices,
    })


@login_required
def notices(request):
    unread_only = request.GET.get("show") == "unread"
    order = "unread" if request.GET.get("order") == "unread" else "newest"
    rows = selectors.notices(request.user, unread_only=unread_only, unread_first=order == "unread")
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "notify/notices.html", {
        "page": page, "unread_only": unread_only, "order": order, "unread": selectors.unread_count(request.user),
        "show": "unread" if unread_only else "",
    })


@login_required
def latest(request):
    """The bell's list, asked for when it opens (htmx)."""
    return render(request, "notify/bell_latest.html", {"latest": selectors.latest(request.user)})


@login_required
def open_notice(request, notice_id: int):
    """Opening a notice marks it read and goes where it points. A link, not a form: it is the user's
    own notice and reading it twice changes nothing. Only a path on this site is followed."""
    notice = selectors.own(request.user, notice_id)
    if notice is None:
        raise Http404("اعلان یافت نشد.")
    notice_services.mark_read(user=request.user, notice=notice)
    if notice_services.is_local(notice.url):
        return redirect(notice.url)
    if notice.url:
        messages.warning(request, "نشانی این اعلان بیرون از دبیر است و باز نشد.")
    return redirect("notify:notices")


@login_required
@require_POST
def read_all(request):
    count = notice_services.mark_all_read(user=request.user)
    messages.success(request, f"{to_persian_digits(count)} اعلان خوانده‌شده علامت خورد." if count else "اعلان خوانده‌نشده‌ای نبود.")
    return redirect("notify:notices")


@login_required
def preferences(request):
    choices, profile = preference_services.current(request.user)
    initial = {"digest": profile.digest, "digest_hour": profile.digest_hour}
    form = PreferencesForm(request.POST or None, choices=choices, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            preference_services.save_preferences(
                user=request.user, choices=form.chosen(), digest=form.cleaned_data["digest"],
                digest_hour=form.cleaned_data["digest_hour"],
            )
        except DomainError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "شیوه دریافت اعلان‌ها ذخیره شد.")
            return redirect("notify:preferences")
    return render(request, "notify/preferences.html", {
        "form": form, "mobile": notice_services.usable_mobile(request.user), "raw_mobile": request.user.mobile,
        "email": request.user.email,
    })
