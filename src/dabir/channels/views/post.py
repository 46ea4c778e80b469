"""The day's dispatch list «دفتر ارسال پستی» of a secretariat: its lines, the tracking number and cost
typed in from the post office's receipt, the receipt or return of each envelope, and the list printed
as a PDF on the agency's letterhead for the post office's receiver to sign. Also the letter page's
panel of a letter's dispatches. Reads go through channels.policy, writes through services.post."""

import datetime as dt
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_POST

from dabir.core.errors import DomainError, NotAllowed
from dabir.core.jalali import format_date, format_datetime, format_long, parse_date, today
from dabir.core.text import to_persian_digits
from dabir.letters.forms import BootstrapMixin, apply_error
from dabir.orgs.selectors import secretariats_of
from dabir.payments.money import fa_amount

from .. import policy
from ..models import PostDispatch
from ..services import post as services


class UpdateForm(BootstrapMixin, forms.Form):
    method = forms.ChoiceField(label="روش", choices=PostDispatch.Method.choices)
    # Text, not numbers: Persian digits and separators are read by the service, which gives the message.
    tracking_number = forms.CharField(label="شماره رهگیری", required=False, max_length=60)
    cost = forms.CharField(label="هزینه (ریال)", required=False, max_length=30)


class OutcomeForm(BootstrapMixin, forms.Form):
    state = forms.ChoiceField(choices=[(s, s) for s in services.DECIDED])
    note = forms.CharField(label="توضیح یا علت برگشت", required=False, max_length=500)


def _inline(form, pk) -> None:
    """The row's inputs sit in their own table cells and belong to the row's form by its id."""
    for name, field in form.fields.items():
        attrs = field.widget.attrs
        attrs["form"] = f"update-{pk}"
        attrs["class"] = attrs.get("class", "").replace("form-select", "form-select form-select-sm").replace(
            "form-control", "form-control form-control-sm")
        # As wide as what they hold: a 24-digit tracking number, a cost, the longest method's name.
        attrs["class"] += " w-auto"
        if name != "method":
            attrs.update(dir="ltr", inputmode="numeric", autocomplete="off",
                         size="22" if name == "tracking_number" else "10")


def _secretariat(request, wanted=None):
    """The clerk's secretariat the list is of: the one asked for, else the first of theirs."""
    mine = list(secretariats_of(request.user))
    if not mine:
        raise NotAllowed("دفتر ارسال پستی فقط برای کاربران دبیرخانه است.")
    wanted = str(wanted or request.GET.get("secretariat") or "")
    return next((s for s in mine if str(s.pk) == wanted), mine[0]), mine


def _day(request):
    typed = request.GET.get("day", "").strip()
    if not typed:
        return today(), "", ""
    try:
        return parse_date(typed, field="day"), typed, ""
    except DomainError as exc:
        return today(), typed, exc.message


def _rows(user, secretariat, day):
    return list(policy.dispatches_of(user).filter(secretariat=secretariat, day=day)
                .select_related("letter").order_by("id"))


def _list_url(secretariat, day, anchor=""):
    query = urlencode({"secretariat": secretariat.pk, "day": format_date(day, persian=False)})
    return f"{reverse('channels:post')}?{query}{anchor}"


def _page(request, *, secretariat=None, day=None, failed=None, status=200):
    secretariat, mine = _secretariat(request, secretariat)
    day_error, typed = "", ""
    if day is None:
        day, typed, day_error = _day(request)
    rows = _rows(request.user, secretariat, day)
    failed_id, failed_kind, failed_form = failed or (None, None, None)
    for row in rows:
        row.update_form = UpdateForm(prefix=f"u{row.pk}", initial={
            "method": row.method, "tracking_number": to_persian_digits(row.tracking_number),
            "cost": "" if row.cost is None else fa_amount(row.cost)})
        row.outcome_form = OutcomeForm(prefix=f"o{row.pk}")
        if row.pk == failed_id:
            setattr(row, f"{failed_kind}_form", failed_form)
        _inline(row.update_form, row.pk)
    total = sum(r.cost or 0 for r in rows)
    return render(request, "channels/post.html", {
        "rows": rows, "day": day, "typed_day": to_persian_digits(typed) if typed else format_date(day), "day_error": day_error,
        "secretariat": secretariat, "secretariats": mine, "total_cost": fa_amount(total),
        "prev_url": _list_url(secretariat, day - dt.timedelta(days=1)),
        "next_url": _list_url(secretariat, day + dt.timedelta(days=1)),
        "today_url": _list_url(secretariat, today()), "is_today": day == today(),
        "pdf_url": reverse("channels:post_pdf") + "?" + urlencode(
            {"secretariat": secretariat.pk, "day": format_date(day, persian=False)}),
        "states": PostDispatch.State,
    }, status=status)


@login_required
def post(request):
    return _page(request)


def _dispatch(request, dispatch_id) -> PostDispatch:
    # Another secretariat's line, or one of a letter the clerk may not see, is not there at all.
    return get_object_or_404(policy.dispatches_of(request.user).select_related("secretariat"), pk=dispatch_id)


@login_required
@require_POST
def post_update(request, dispatch_id):
    dispatch = _dispatch(request, dispatch_id)
    form = UpdateForm(request.POST, prefix=f"u{dispatch.pk}")
    if form.is_valid():
        try:
            services.update_dispatch(user=request.user, dispatch=dispatch, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"مرسوله «{dispatch.recipient_name}» به‌روز شد.")
            return redirect(_list_url(dispatch.secretariat, dispatch.day, f"#dispatch-{dispatch.pk}"))
    return _page(request, secretariat=dispatch.secretariat_id, day=dispatch.day,
                 failed=(dispatch.pk, "update", form), status=400)


@login_required
@require_POST
def post_outcome(request, dispatch_id):
    dispatch = _dispatch(request, dispatch_id)
    form = OutcomeForm(request.POST, prefix=f"o{dispatch.pk}")
    if form.is_valid():
        try:
            services.record_outcome(user=request.user, dispatch=dispatch, **form.cleaned_data)
        except DomainError as exc:
            apply_error(form, exc)
        else:
            done = dict(PostDispatch.State.choices)[form.cleaned_data["state"]]
            messages.success(request, f"برای مرسوله «{dispatch.recipient_name}» «{done}» ثبت شد.")
            return redirect(_list_url(dispatch.secretariat, dispatch.day, f"#dispatch-{dispatch.pk}"))
    return _page(request, secretariat=dispatch.secretariat_id, day=dispatch.day,
                 failed=(dispatch.pk, "outcome", form), status=400)


# ---- the printed list -------------------------------------------------------------------------


STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "channels" / "post_pdf.css"


def _pdf_bytes(html: str, identifier: str) -> bytes:
    """Laid out by one of signing's warm WeasyPrint renderers (Vazirmatn loaded once), as the counters'
    receipt does; the list's styles are in post_pdf.css (no inline styles in templates: the CSP)."""
    from weasyprint import CSS, HTML

    from dabir.signing.pdf import FONTS_DIR, _renderer

    base = FONTS_DIR.as_uri() + "/"
    with _renderer() as r:
        css = CSS(string=STYLESHEET.read_text(encoding="utf-8"), base_url=base, url_fetcher=r.fetcher,
                  font_config=r.font_config)
        return HTML(string=html, base_url=base, url_fetcher=r.fetcher).write_pdf(
            stylesheets=[css], font_config=r.font_config, pdf_identifier=identifier.encode())


@login_required
def post_pdf(request):
    from dabir.signing.pdf import EMBLEM, isolate_ltr

    secretariat, _ = _secretariat(request)
    day, _, error = _day(request)
    if error:
        raise DomainError(error, field="day")
    rows = _rows(request.user, secretariat, day)
    lines = [{
        "n": i, "number": isolate_ltr(r.letter.number), "date": isolate_ltr(format_date(r.letter.registered_at)),
        "subject": r.letter.subject, "recipient": r.recipient_name, "address": r.postal_address,
        "postal_code": isolate_ltr(r.postal_code), "method": r.get_method_display(),
        "tracking": isolate_ltr(r.tracking_number), "cost": fa_amount(r.cost) if r.cost is not None else "",
    } for i, r in enumerate(rows, 1)]
    html = render_to_string("channels/post_pdf.html", {
        "emblem": EMBLEM, "agency": secretariat.agency, "secretariat": secretariat, "lines": lines,
        "date": isolate_ltr(format_date(day)), "date_long": format_long(day),
        "count": len(lines), "total": fa_amount(sum(r.cost or 0 for r in rows)),
        "clerk": request.user.get_full_name() or request.user.username,
        "printed": isolate_ltr(format_datetime(timezone.now())),
    })
    pdf = _pdf_bytes(html, f"dabir-post-{secretariat.pk}-{day.isoformat()}")
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, f"post-{day.isoformat()}.pdf")
    return response


# ---- the letter page's panel ----------------------------------------------------------------


def has_dispatches(letter) -> bool:
    return PostDispatch.objects.filter(letter=letter).exists()


def letter_panel(context, letter) -> dict:
    """The letter's envelopes: whoever sees the letter page sees the letter, so its lines too; the
    clerks of its secretariat get a link to the day's list where they act on them."""
    user = context.get("user") or getattr(context.get("request"), "user", None)
    rows = list(PostDispatch.objects.filter(letter=letter).order_by("id"))
    for row in rows:
        row.cost_text = fa_amount(row.cost) if row.cost is not None else "—"
    clerk = policy.dispatches_of(user).filter(letter=letter).exists()
    return {"dispatches": rows, "letter": letter,
            "list_url": _list_url(rows[0].secretariat, rows[0].day) if clerk and rows else ""}


urlpatterns = [
    path("post/", post, name="post"),
    path("post/pdf/", post_pdf, name="post_pdf"),
    path("post/<int:dispatch_id>/update/", post_update, name="post_update"),
    path("post/<int:dispatch_id>/outcome/", post_outcome, name="post_outcome"),
]
