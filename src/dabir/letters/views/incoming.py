"""The secretariat registers an incoming letter (وارده), with scans and a first referral."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.html import format_html

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import TEHRAN, today
from dabir.core.templatetags.persian import ltr
from dabir.core.text import to_latin_digits
from dabir.letters import attachments as files_check
from dabir.orgs import selectors as org_selectors
from dabir.orgs.models import NumberSeries, Position

from .. import forms as F
from .. import services
from ._shared import _page, _uploads, current_seat


def _received_at(date: dt.date | None) -> dt.datetime | None:
    if date is None or date == today():
        return None
    now = timezone.now().astimezone(TEHRAN)
    return dt.datetime.combine(date, now.time().replace(microsecond=0), tzinfo=TEHRAN)


@login_required
def register_incoming(request):
    secretariats = list(org_selectors.secretariats_of(request.user))
    if not secretariats:
        raise NotAllowed("ثبت نامه وارده فقط برای کاربران دبیرخانه است.")
    seat = current_seat(request)
    agency_ids = {s.agency_id for s in secretariats}
    positions = list(
        Position.objects.filter(active=True, unit__agency_id__in=agency_ids)
        .select_related("unit").order_by("unit__name", "-is_manager", "title")
    )
    absences = org_selectors.absences([p.id for p in positions])
    series = list(
        NumberSeries.objects.filter(secretariat__in=secretariats, active=True).select_related("secretariat")
    )
    kwargs = {"secretariats": secretariats, "series": series, "positions": positions, "absences": absences,
              "user": request.user}
    if request.method == "POST":
        form = F.IncomingForm(request.POST, request.FILES, **kwargs)
        scans = _uploads(request.FILES.getlist("scans"), is_scan=True)
        others = _uploads(request.FILES.getlist("attachments"))
        if form.is_valid():
            # Scans are checked here too, so that a refused scan is flagged on its own input.
            for scan in scans:
                try:
                    files_check.check(scan.name, scan.content)
                except DomainError as exc:
                    F.apply_error(form, DomainError(exc.message, field="scans"))
                    break
        if form.is_valid():
            d = form.cleaned_data
            refer_to = []
            if d.get("refer_position"):
                refer_to.append(services.ReferralSpec(
                    position_id=d["refer_position"], action=d.get("refer_action") or "action",
                    note=d.get("refer_note") or "", deadline=d.get("refer_deadline"),
                ))
            try:
                letter = services.register_incoming(
                    user=request.user,
                    secretariat=next(s for s in secretariats if s.id == d["secretariat"]),
                    series=next((s for s in series if s.id == d.get("series")), None),
                    subject=d["subject"], sender_name=d["sender_name"], channel=d["channel"],
                    sender_number=to_latin_digits(d.get("sender_number") or ""), sender_date=d.get("sender_date"),
                    received_at=_received_at(d.get("received_date")), body=d.get("body") or "",
                    keywords=d.get("keywords") or "", urgency=d["urgency"], classification=d["classification"],
                    paper_location=d.get("paper_location") or "",
                    uploads=scans + others,
                    refer_to=refer_to, seat=seat,
                )
            except DomainError as exc:
                F.apply_error(form, exc, F.INCOMING_ALIASES)
            else:
                messages.success(request, format_html("نامه وارده با شماره {} ثبت شد.", ltr(letter.number)))
                return redirect("letter_detail", letter_id=letter.id)
        return _page(request, "letters/incoming.html", {"form": form, "absences": absences}, status=400)
    form = F.IncomingForm(initial={"secretariat": secretariats[0].id}, **kwargs)
    return _page(request, "letters/incoming.html", {"form": form, "absences": absences})
