"""The letters behind a figure: which letters an agency's count (or a part of a share) is made of.

Each definition here mirrors `aggregate.compute_days` (registered in the period's Tehran days, not
void, by kind and channel, sent = dispatched, signed = a digital signature on a version, between
agencies = by the exchange or to/from another agency's name), so the list holds the letters the
figure counted. The list is always cut down to `letters.policy.visible_letters(user)`: a supervisor
or manager sees the figure's total, never a letter they could not open otherwise.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from dabir.core.errors import DomainError
from dabir.exchange.models import Arrival, Delivery
from dabir.letters.models import Kind, Letter, Recipient, Status
from dabir.letters.policy import visible_letters
from dabir.orgs.models import Agency
from dabir.signing.models import Signature

from . import figures as F
from .aggregate import _agency_names, _bounds
from .models import AgencyDay
from .periods import Period

BAD_FIGURE = "این شاخص از نامه‌ها ساخته نشده است یا چنین شاخصی نداریم."
BAD_PART = "این بخش برای این شاخص تعریف نشده است."


@dataclass(frozen=True)
class Part:
    label: str  # what the listed letters are, as a heading
    where: Q  # on the annotated letters (see `_annotated`)
    count: Callable[[dict], int]  # the part's count from the summed AgencyDay rows


def _sum(*keys: str) -> Callable[[dict], int]:
    return lambda s: sum(s.get(k) or 0 for k in keys)


_IN, _OUT = Q(kind=Kind.INCOMING), Q(kind=Kind.OUTGOING)
_SENT = _OUT & Q(dispatched_at__isnull=False, channel__in=F.CHANNELS)
_INTER = (_OUT & (Q(ex_out=True) | Q(to_agency=True))) | (_IN & (Q(ex_in=True) | Q(from_agency=True)))
_BY_EXCHANGE = (_OUT & Q(ex_out=True)) | (_IN & Q(ex_in=True))
_ELECTRONIC, _PAPER = Q(channel__in=F.ELECTRONIC), Q(channel__in=F.PAPER)

# The letters between agencies: the count and the exchange share draw on the same parts.
_INTER_PARTS = {
    "": Part("مکاتبات بین‌دستگاهی", _INTER, _sum("inter_out", "inter_in")),
    "exchange": Part("مکاتبات بین‌دستگاهی از شبکه تبادل", _BY_EXCHANGE,
                     _sum("inter_out_exchange", "inter_in_exchange")),
    "other": Part("مکاتبات بین‌دستگاهی بیرون از شبکه تبادل", _INTER & ~_BY_EXCHANGE,
                  lambda s: _sum("inter_out", "inter_in")(s) - _sum("inter_out_exchange", "inter_in_exchange")(s)),
}

# figure → {part ("" = the whole figure, or a share's base): Part}
FIGURES: dict[str, dict[str, Part]] = {
    "letters_in": {"": Part("نامه‌های وارده", _IN, _sum("letters_in"))},
    "letters_out": {"": Part("نامه‌های صادره", _OUT, _sum("letters_out"))},
    "letters_internal": {"": Part("نامه‌های داخلی", Q(kind=Kind.INTERNAL), _sum("letters_internal"))},
    "out_sent": {"": Part("صادره‌های ارسال‌شده", _SENT, _sum(*(f"out_{c}" for c in F.CHANNELS)))},
    "inter_letters": _INTER_PARTS,
    "in_electronic_share": {
        "": Part("نامه‌های وارده", _IN, _sum("letters_in")),
        "electronic": Part("وارده‌هایی که الکترونیکی رسیده‌اند", _IN & _ELECTRONIC,
                           _sum(*(f"in_{c}" for c in F.ELECTRONIC))),
        "paper": Part("وارده‌هایی که کاغذی رسیده‌اند", _IN & _PAPER, _sum(*(f"in_{c}" for c in F.PAPER))),
    },
    "out_electronic_share": {
        "": Part("صادره‌های ارسال‌شده", _SENT, _sum(*(f"out_{c}" for c in F.CHANNELS))),
        "electronic": Part("صادره‌هایی که الکترونیکی ارسال شده‌اند", _SENT & _ELECTRONIC,
                           _sum(*(f"out_{c}" for c in F.ELECTRONIC))),
        "paper": Part("صادره‌هایی که کاغذی ارسال شده‌اند", _SENT & _PAPER, _sum(*(f"out_{c}" for c in F.PAPER))),
    },
    "inter_exchange_share": _INTER_PARTS,
    "signed_digital_share": {
        "": Part("نامه‌های صادره", _OUT, _sum("signed_digital", "signed_paper")),
        "digital": Part("صادره‌هایی که با امضای الکترونیکی امضا شده‌اند", _OUT & Q(signed=True),
                        _sum("signed_digital")),
        "paper_signed": Part("صادره‌هایی که بدون امضای الکترونیکی (روی کاغذ) امضا شده‌اند", _OUT & Q(signed=False),
                             _sum("signed_paper")),
    },
}


def part_of(figure: str, part: str | None) -> Part:
    """The definition of a figure (or one part of a share); DomainError (Persian, 400) for anything else."""
    parts = FIGURES.get(str(figure or ""))
    if parts is None:
        raise DomainError(BAD_FIGURE, field="figure")
    found = parts.get(str(part or ""))
    if found is None:
        raise DomainError(BAD_PART, field="part")
    return found


def _annotated(agency: Agency, period: Period, base: QuerySet) -> QuerySet:
    lo, hi = _bounds(period.start, period.end)
    names = _agency_names()
    return (
        base.filter(agency=agency, registered_at__gte=lo, registered_at__lt=hi)
        .exclude(status=Status.VOID)
        .annotate(
            ex_out=Exists(Delivery.objects.filter(letter=OuterRef("pk"))),
            to_agency=Exists(Recipient.objects.filter(letter=OuterRef("pk"), position__isnull=True, name__in=names)),
            ex_in=Exists(Arrival.objects.filter(letter=OuterRef("pk"))),
            from_agency=Q(sender_name__in=names),
            signed=Exists(Signature.objects.filter(version__letter=OuterRef("pk"))),
        )
    )


def letters_behind(user, agency: Agency, period: Period, figure: str, part: str | None = None) -> QuerySet[Letter]:
    """The letters the figure counts for the agency and period that the user may see, newest first."""
    definition = part_of(figure, part)
    return (_annotated(agency, period, visible_letters(user)).filter(definition.where)
            .order_by("-registered_at", "-id"))


def figure_total(agency: Agency, period: Period, figure: str, part: str | None = None) -> int:
    """How many letters the figure counted (from the figure tables), whoever may see them."""
    from .selectors import figures_for

    definition = part_of(figure, part)
    if not part and F.BY_KEY[figure].unit == "count":
        return figures_for([agency.id], period)[agency.id][figure] or 0
    sums = (AgencyDay.objects.filter(agency=agency, day__gte=period.start, day__lte=period.end)
            .aggregate(**{k: Sum(k) for k in AgencyDay.COUNTS}))
    return definition.count(sums)
