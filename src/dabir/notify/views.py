"""The staff SMS outbox page: newest messages first, mobiles masked, filter by mobile."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from dabir.core.text import to_latin_digits

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
