"""Keeping the figure tables up to date: which agency-days changed, and recomputing them.

A change to a letter, referral, print, signature, exchange delivery or desk request marks the agency-days
it touches dirty (`mark`, one upsert in the change's own transaction, from the signal receivers in
`connect`). The worker drains the marks every DABIR_STATS_REFRESH_SECONDS (`refresh`): each dirty day is
recomputed whole from the source tables by `compute_days` and its rows replaced. `rebuild` recomputes
every day from scratch with the same function, so both give the same numbers.
"""

import datetime as dt
import functools
import logging
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from dabir.core.jalali import TEHRAN, to_jalali
from dabir.desk.models import Complaint, Rating, RequestStatus, ServiceRequest
from dabir.exchange.models import Arrival, Delivery, Member
from dabir.letters.models import Kind, Letter, PrintRecord, Recipient, Referral, ReferralStatus, Status
from dabir.orgs.models import Agency
from dabir.signing.models import Signature

from .figures import bin_of
from .models import (
    AgencyDay,
    AgencyMonth,
    Dirty,
    DurationBin,
    DurationBinMonth,
    ManagerDay,
    ManagerMonth,
    Metric,
    UserPrintDay,
    UserPrintMonth,
)

log = logging.getLogger(__name__)


def local_day(value: dt.datetime | dt.date | None) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(TEHRAN).date()
    return value


@functools.lru_cache(maxsize=4096)
def jalali_month(day: dt.date) -> int:
    j = to_jalali(day)
    return j.year * 100 + j.month


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, end+1 00:00) in Tehran."""
    return (dt.datetime.combine(start, dt.time.min, TEHRAN),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, TEHRAN))


# ---- Marking ------------------------------------------------------------------------------------


def mark(pairs) -> None:
    """Mark (agency_id, day) pairs dirty, in the caller's transaction (None parts are skipped)."""
    now = timezone.now()
    rows = {(a, d) for a, d in pairs if a and d}
    if rows:
        Dirty.objects.bulk_create([Dirty(agency_id=a, day=d, marked_at=now) for a, d in rows],
                                  update_conflicts=True, unique_fields=["agency", "day"], update_fields=["marked_at"])


def _letter_pairs(letter: Letter) -> list:
    return [(letter.agency_id, local_day(letter.registered_at))]


def _on_letter(sender, instance: Letter, **kwargs):
    if instance.registered_at:
        mark(_letter_pairs(instance))


def _on_referral(sender, instance: Referral, **kwargs):
    agency_id = Letter.objects.filter(pk=instance.letter_id).values_list("agency_id", flat=True).first() \
        if "letter" not in instance._state.fields_cache else instance.letter.agency_id
    mark([(agency_id, local_day(instance.created_at)), (agency_id, instance.deadline)])


def _on_referrals_changed(sender, letter: Letter, days=(), **kwargs):
    """Referrals inserted in bulk or updated as a set (no post_save): the days of all the letter's
    referrals (creation and deadline) and any day the change moved away from, in one upsert."""
    pairs = [(letter.agency_id, d) for d in days]
    for created, deadline in Referral.objects.filter(letter_id=letter.pk).values_list("created_at", "deadline"):
        pairs += [(letter.agency_id, local_day(created)), (letter.agency_id, deadline)]
    mark(pairs)


def _on_print(sender, instance: PrintRecord, **kwargs):
    mark([(instance.agency_id, local_day(instance.at))])


def _on_signature(sender, instance: Signature, **kwargs):
    row = (Signature.objects.filter(pk=instance.pk)
           .values_list("version__letter__agency_id", "version__letter__registered_at",
                        "position__unit__agency_id").first())
    if row:
        mark([(row[0], local_day(row[1])), (row[2], local_day(instance.signed_at))])


def _on_delivery(sender, instance: Delivery, **kwargs):
    row = Letter.objects.filter(pk=instance.letter_id).values_list("agency_id", "registered_at").first()
    if row:
        mark([(row[0], local_day(row[1]))])


def _on_request(sender, instance: ServiceRequest, **kwargs):
    agency_id = instance.service.agency_id
    mark([(agency_id, local_day(instance.submitted_at)), (agency_id, local_day(instance.finished_at))])


def _on_rating(sender, instance: Rating, **kwargs):
    agency_id = ServiceRequest.objects.filter(pk=instance.request_id).values_list("service__agency_id", flat=True).first()
    mark([(agency_id, local_day(instance.at))])


def _on_complaint(sender, instance: Complaint, **kwargs):
    mark([(instance.agency_id, local_day(instance.created_at))])


RECEIVERS = [
    (Letter, _on_letter), (Referral, _on_referral), (PrintRecord, _on_print), (Signature, _on_signature),
    (Delivery, _on_delivery), (ServiceRequest, _on_request), (Rating, _on_rating), (Complaint, _on_complaint),
]


def connect() -> None:
    from dabir.letters.signals import referrals_changed

    referrals_changed.connect(_on_referrals_changed, dispatch_uid="stats-referrals-changed")
    for model, receiver in RECEIVERS:
        post_save.connect(receiver, sender=model, dispatch_uid=f"stats-{model.__name__}-save")
        post_delete.connect(receiver, sender=model, dispatch_uid=f"stats-{model.__name__}-delete")


# ---- Computing --------------------------------------------------------------------------------


def _agency_names() -> set[str]:
    """Names by which a letter's outside party is recognised as another agency."""
    return set(Agency.objects.values_list("name", flat=True)) | set(Member.objects.values_list("name", flat=True))


def compute_days(agency_ids, start: dt.date, end: dt.date, *, names: set[str] | None = None) -> dict:
    """Every figure row of the agencies' days from `start` to `end` (inclusive), from the source tables.

    Returns {"days": {(agency, day): {count: n}}, "managers": {(agency, day, position): [signed, referred]},
    "bins": {(agency, day, metric, bin): n}, "prints": {(agency, day, user): [prints, pages, copies]}}."""
    agency_ids = list(agency_ids)
    lo, hi = _bounds(start, end)
    days: dict = defaultdict(lambda: defaultdict(int))

    def add(agency, day, key, n=1):
        if n:
            days[(agency, day)][key] += n

    letters = (Letter.objects.filter(agency_id__in=agency_ids, registered_at__gte=lo, registered_at__lt=hi)
               .exclude(status=Status.VOID))
    day_of = TruncDate("registered_at", tzinfo=TEHRAN)
    for agency, day, kind, channel, sent, n in (
        letters.annotate(d=day_of, sent=Q(dispatched_at__isnull=False))
        .values_list("agency_id", "d", "kind", "channel", "sent").annotate(n=Count("id")).order_by()
    ):
        add(agency, day, f"letters_{'in' if kind == Kind.INCOMING else 'out' if kind == Kind.OUTGOING else 'internal'}", n)
        if kind == Kind.INCOMING:
            add(agency, day, f"in_{channel}", n)
        elif kind == Kind.OUTGOING and sent:
            add(agency, day, f"out_{channel}", n)

    names = _agency_names() if names is None else names
    by_exchange_out = Exists(Delivery.objects.filter(letter=OuterRef("pk")))
    to_agency = Exists(Recipient.objects.filter(letter=OuterRef("pk"), position__isnull=True, name__in=names))
    for agency, day, ex, n in (
        letters.filter(kind=Kind.OUTGOING).annotate(d=day_of, ex=by_exchange_out, named=to_agency)
        .filter(Q(ex=True) | Q(named=True)).values_list("agency_id", "d", "ex").annotate(n=Count("id")).order_by()
    ):
        add(agency, day, "inter_out", n)
        if ex:
            add(agency, day, "inter_out_exchange", n)
    by_exchange_in = Exists(Arrival.objects.filter(letter=OuterRef("pk")))
    for agency, day, ex, n in (
        letters.filter(kind=Kind.INCOMING).annotate(d=day_of, ex=by_exchange_in)
        .filter(Q(ex=True) | Q(sender_name__in=names)).values_list("agency_id", "d", "ex")
        .annotate(n=Count("id")).order_by()
    ):
        add(agency, day, "inter_in", n)
        if ex:
            add(agency, day, "inter_in_exchange", n)
    signed = Exists(Signature.objects.filter(version__letter=OuterRef("pk")))
    for agency, day, is_signed, n in (
        letters.filter(kind=Kind.OUTGOING).annotate(d=day_of, s=signed).values_list("agency_id", "d", "s")
        .annotate(n=Count("id")).order_by()
    ):
        add(agency, day, "signed_digital" if is_signed else "signed_paper", n)

    prints: dict = {}
    for agency, day, user, n, pages, copies in (
        PrintRecord.objects.filter(agency_id__in=agency_ids, at__gte=lo, at__lt=hi)
        .annotate(d=TruncDate("at", tzinfo=TEHRAN)).values_list("agency_id", "d", "user_id")
        .annotate(n=Count("id"), p=Sum(F("pages") * F("copies")), c=Sum("copies")).order_by()
    ):
        prints[(agency, day, user)] = [n, pages or 0, copies or 0]
        add(agency, day, "prints", n)
        add(agency, day, "print_pages", pages or 0)
        add(agency, day, "print_copies", copies or 0)

    managers: dict = {}
    bins: dict = defaultdict(int)
    referrals = Referral.objects.filter(letter__agency_id__in=agency_ids)
    for agency, created, read, acted, from_pos, from_manager in (
        referrals.filter(created_at__gte=lo, created_at__lt=hi)
        .values_list("letter__agency_id", "created_at", "read_at", "acted_at", "from_position_id",
                     "from_position__is_manager").order_by().iterator(chunk_size=5000)
    ):
        day = local_day(created)
        add(agency, day, "referrals")
        if read:
            bins[(agency, day, Metric.READ, bin_of((read - created).total_seconds() / 60))] += 1
        if acted:
            bins[(agency, day, Metric.ACT, bin_of((acted - created).total_seconds() / 60))] += 1
        if from_manager:
            managers.setdefault((agency, day, from_pos), [False, False])[1] = True
    for agency, deadline, acted in (
        referrals.filter(deadline__gte=start, deadline__lte=end)
        .exclude(status__in=[ReferralStatus.WITHDRAWN, ReferralStatus.REASSIGNED])
        .values_list("letter__agency_id", "deadline", "acted_at").order_by().iterator(chunk_size=5000)
    ):
        add(agency, deadline, "referrals_due")
        if acted and local_day(acted) <= deadline:
            add(agency, deadline, "referrals_on_time")
    for agency, at, position in (
        Signature.objects.filter(position__unit__agency_id__in=agency_ids, position__is_manager=True,
                                 signed_at__gte=lo, signed_at__lt=hi)
        .values_list("position__unit__agency_id", "signed_at", "position_id").order_by()
    ):
        managers.setdefault((agency, local_day(at), position), [False, False])[0] = True

    requests = ServiceRequest.objects.filter(service__agency_id__in=agency_ids).exclude(
        status=RequestStatus.AWAITING_PAYMENT)
    for agency, day, n in (
        requests.filter(submitted_at__gte=lo, submitted_at__lt=hi)
        .annotate(d=TruncDate("submitted_at", tzinfo=TEHRAN)).values_list("service__agency_id", "d")
        .annotate(n=Count("id")).order_by()
    ):
        add(agency, day, "desk_requests", n)
    for agency, finished, due in (
        requests.filter(finished_at__gte=lo, finished_at__lt=hi).values_list("service__agency_id", "finished_at", "due").order_by()
    ):
        day = local_day(finished)
        add(agency, day, "desk_finished")
        if due is None or day <= due:
            add(agency, day, "desk_on_time")
    for agency, day, n, total in (
        Rating.objects.filter(request__service__agency_id__in=agency_ids, at__gte=lo, at__lt=hi)
        .annotate(d=TruncDate("at", tzinfo=TEHRAN)).values_list("request__service__agency_id", "d")
        .annotate(n=Count("id"), s=Sum("score")).order_by()
    ):
        add(agency, day, "ratings", n)
        add(agency, day, "rating_sum", total or 0)
    for agency, day, n in (
        Complaint.objects.filter(agency_id__in=agency_ids, created_at__gte=lo, created_at__lt=hi)
        .annotate(d=TruncDate("created_at", tzinfo=TEHRAN)).values_list("agency_id", "d")
        .annotate(n=Count("id")).order_by()
    ):
        add(agency, day, "complaints", n)
    return {"days": days, "managers": managers, "bins": bins, "prints": prints}


# ---- Writing ----------------------------------------------------------------------------------


def _write(pairs: set, computed: dict) -> None:
    """Replace the rows of exactly these (agency, day) pairs with the computed ones."""
    by_agency: dict = defaultdict(set)
    for agency, day in pairs:
        by_agency[agency].add(day)
    for model in (AgencyDay, ManagerDay, DurationBin, UserPrintDay):
        for agency, agency_days in by_agency.items():
            model.objects.filter(agency_id=agency, day__in=sorted(agency_days)).delete()
    now = timezone.now()
    AgencyDay.objects.bulk_create(
        [AgencyDay(agency_id=a, day=d, month=jalali_month(d), refreshed_at=now, **counts)
         for (a, d), counts in computed["days"].items() if (a, d) in pairs], batch_size=1000)
    ManagerDay.objects.bulk_create(
        [ManagerDay(agency_id=a, day=d, month=jalali_month(d), position_id=p, signed=s, referred=r)
         for (a, d, p), (s, r) in computed["managers"].items() if (a, d) in pairs], batch_size=1000)
    DurationBin.objects.bulk_create(
        [DurationBin(agency_id=a, day=d, month=jalali_month(d), metric=m, bin=b, count=n)
         for (a, d, m, b), n in computed["bins"].items() if (a, d) in pairs], batch_size=1000)
    UserPrintDay.objects.bulk_create(
        [UserPrintDay(agency_id=a, day=d, month=jalali_month(d), user_id=u, prints=n, pages=p, copies=c)
         for (a, d, u), (n, p, c) in computed["prints"].items() if (a, d) in pairs], batch_size=1000)
    roll_up({(a, jalali_month(d)) for a, d in pairs})


def roll_up(months: set) -> None:
    """Rebuild the monthly rows of these (agency, month) pairs from their day rows."""
    by_month: dict = defaultdict(set)
    for agency, month in months:
        by_month[month].add(agency)
    for month, agencies in by_month.items():
        agencies = sorted(agencies)
        for model in (AgencyMonth, ManagerMonth, DurationBinMonth, UserPrintMonth):
            model.objects.filter(month=month, agency_id__in=agencies).delete()
        days = AgencyDay.objects.filter(month=month, agency_id__in=agencies)
        AgencyMonth.objects.bulk_create([
            AgencyMonth(agency_id=r.pop("agency_id"), month=month, **r)
            for r in days.values("agency_id").annotate(**{k: Sum(k) for k in AgencyDay.COUNTS}).order_by()
        ], batch_size=1000)
        ManagerMonth.objects.bulk_create([
            ManagerMonth(agency_id=a, month=month, position_id=p)
            for a, p in ManagerDay.objects.filter(month=month, agency_id__in=agencies)
            .values_list("agency_id", "position_id").distinct().order_by()
        ], batch_size=1000)
        DurationBinMonth.objects.bulk_create([
            DurationBinMonth(agency_id=a, month=month, metric=m, bin=b, count=n)
            for a, m, b, n in DurationBin.objects.filter(month=month, agency_id__in=agencies)
            .values_list("agency_id", "metric", "bin").annotate(n=Sum("count")).order_by()
        ], batch_size=1000)
        UserPrintMonth.objects.bulk_create([
            UserPrintMonth(agency_id=a, month=month, user_id=u, prints=n, pages=p, copies=c)
            for a, u, n, p, c in UserPrintDay.objects.filter(month=month, agency_id__in=agencies)
            .values_list("agency_id", "user_id").annotate(Sum("prints"), Sum("pages"), Sum("copies")).order_by()
        ], batch_size=1000)


def refresh(limit: int = 2000) -> int:
    """Recompute the dirty agency-days (all of them, in batches); returns how many were refreshed.

    A mark made while a batch is computed carries a later time and survives the batch's delete, so
    the day is computed again in the next round: a change is never left out of the figures."""
    done = 0
    while True:
        started = timezone.now()
        batch = list(Dirty.objects.filter(marked_at__lte=started).order_by("agency_id", "day")
                     .values_list("agency_id", "day")[:limit])
        if not batch:
            return done
        by_agency: dict = defaultdict(list)
        for agency, day in batch:
            by_agency[agency].append(day)
        names = _agency_names()  # once a batch, not once an agency
        with transaction.atomic():
            for agency, agency_days in by_agency.items():
                computed = compute_days([agency], min(agency_days), max(agency_days), names=names)
                _write({(agency, d) for d in agency_days}, computed)
            for agency, agency_days in by_agency.items():
                Dirty.objects.filter(agency_id=agency, day__in=agency_days, marked_at__lte=started).delete()
        done += len(batch)


def rebuild(*, start: dt.date | None = None, end: dt.date | None = None, log_to=None) -> int:
    """Recompute every agency-day from scratch, month by month (the same computation as `refresh`).

    Without bounds: from the first registered letter (or request) to today. Returns the days written."""
    first = [v for v in (
        Letter.objects.filter(registered_at__isnull=False).order_by("registered_at").values_list("registered_at", flat=True).first(),
        PrintRecord.objects.order_by("at").values_list("at", flat=True).first(),
        ServiceRequest.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first(),
    ) if v]
    today = timezone.localdate(timezone=TEHRAN)
    start = start or (min(local_day(v) for v in first) if first else today)
    end = end or today
    agencies = list(Agency.objects.values_list("id", flat=True))
    names = _agency_names()
    written = 0
    cursor = start
    while cursor <= end:
        stop = min(end, cursor + dt.timedelta(days=30))
        computed = compute_days(agencies, cursor, stop, names=names)
        pairs = {(a, cursor + dt.timedelta(days=i)) for a in agencies for i in range((stop - cursor).days + 1)}
        with transaction.atomic():
            _write(pairs, computed)
            Dirty.objects.filter(day__gte=cursor, day__lte=stop).delete()
        written += len(computed["days"])
        if log_to:
            log_to(f"{cursor} … {stop}: {len(computed['days'])} agency-days")
        cursor = stop + dt.timedelta(days=1)
    return written
