"""The supervision part of the demo: a year of history over the Khuzestan agencies, so the dashboard,
the ranking and the trends tell a story.

Loaded last (after the counter offices). Thirteen more Khuzestan agencies that seed 000 names join the
four of the demo, with an agency in Tehran and the national supervising office; each gets a chart,
a secretariat with its series and holders, exactly as the loader builds the first four (plain ORM, as
an admin would). Every agency but the province's courts joins the exchange through the exchange's
services; the agencies that sign digitally get their CA and certificates through the signing services.

The year's letters are generated in bulk, month by month, by each agency's habits (stats_data.PROFILES):
letters with gapless numbers in their series (the counters set to the last number), recipients, the
Access rows a registered letter gets, referrals with read and action times and deadlines, prints with
pages and copies. Bulk letters have no audit entries (nothing is written to the audit log by hand).
The digital signatures are real: each letter of a signing habit is signed through
`signing.services.sign` by its signer's holder with the position's certificate, so each verifies at
/verify/; they carry the moment of loading, the certificates being issued then. Letters between
agencies name the other agency (so they count as inter-agency) but travel without the exchange's
signed packages (no Delivery or Arrival rows). At the end the figures are rebuilt from scratch.

The four first agencies' history stops where their letters made through the services begin, in series
of their previous system (inactive now), so numbers follow registration time in every series.
"""

import datetime as dt
import math
import random
import time
from collections import defaultdict

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from dabir.accounts.models import User
from dabir.core.calendar import add_working_days
from dabir.core.jalali import TEHRAN, jalali_year
from dabir.core.models import Holiday, is_weekend
from dabir.letters.models import (
    Access,
    Action,
    Channel,
    Kind,
    Letter,
    PrintRecord,
    Recipient,
    Referral,
    ReferralStatus,
    Status,
    Urgency,
)
from dabir.letters.search import letter_search_text
from dabir.orgs.models import Agency, Assignment, NumberCounter, NumberSeries, Position, Secretariat, Unit
from dabir.orgs.selectors import Seat
from dabir.stats import aggregate
from dabir.stats.models import Level, Supervisor
from dabir.stats.periods import current, recent_months

from . import data
from . import stats_data as D

KINDS = [(Kind.INCOMING, 50), (Kind.OUTGOING, 33), (Kind.INTERNAL, 17)]
PAPER_IN = [(Channel.POST, 6), (Channel.FAX, 2), (Channel.IN_PERSON, 2)]
PAPER_OUT = [(Channel.POST, 7), (Channel.IN_PERSON, 2), (Channel.FAX, 1)]
HOUR = dt.timedelta(hours=1)


def _pick(rng, pairs):
    return rng.choices([v for v, _w in pairs], weights=[w for _v, w in pairs])[0]


_ROUTING: dict[str, int] = {}  # position code → a small number of its own, in the order the history meets them


def _routed(letter: Letter, first: Position, between: bool) -> None:
    """An incoming letter's subject and sender made to fit the position it went to first, as a secretariat's
    routing does (each position has its usual subjects and correspondents), so that the suggested first
    recipients (letters/suggestions.py) have something to learn; about one letter in five keeps its random subject,
    about one in four its random sender. Derived from the draws already made: the random stream, and so every
    other figure of the demo, stays the same. Senders that are other agencies or people are kept."""
    subjects, parties = D.INCOMING_SUBJECTS, [p for p in D.OUTSIDE_PARTIES if not p.startswith(("آقای", "خانم"))]
    key = _ROUTING.setdefault(first.code, len(_ROUTING))  # first-seen order, not the id: the same after a --reset
    drawn = subjects.index(letter.subject)
    if drawn % 5:
        letter.subject = subjects[(key * 3 + drawn % 3) % len(subjects)]
    if not between and letter.sender_name in parties and parties.index(letter.sender_name) % 4:
        letter.sender_name = parties[(key + parties.index(letter.sender_name) % 2) % len(parties)]


class Ctx:
    """One agency as the history needs it: its rows, positions, holders and habits."""

    def __init__(self, key, agency, secretariat, series, head, managers, staff, clerk, profile, cutoff=None):
        self.key, self.agency, self.secretariat, self.series = key, agency, secretariat, series
        self.head, self.managers, self.staff, self.clerk = head, managers, staff, clerk
        self.profile, self.cutoff = profile, cutoff
        self.signers = [p for p in managers if p.can_sign]


class StatsDemo:
    def __init__(self, *, seed: int = 1405, scale: float = 1.0, log=None):
        self.rng = random.Random(seed + 20)
        self.scale = scale
        self.log = log or (lambda message: None)
        self.now = timezone.now()
        self.today = self.now.astimezone(TEHRAN).date()
        self.months = recent_months(12, self.today)
        self.admin = User.objects.get(username="admin")
        self.password = User.objects.get(username="dabir").password  # the demo's shared password, hashed once
        self.ctx: dict[str, Ctx] = {}
        self.holders: dict[int, User] = {}
        self.deadlines: dict[tuple, dt.date] = {}
        self.names = 0
        self.to_sign: list[Letter] = []

    # ------------------------------------------------------------ organisation

    def _person(self, username: str) -> User:
        first = D.FIRST_NAMES[self.names % len(D.FIRST_NAMES)]
        last = D.LAST_NAMES[(self.names * 7) % len(D.LAST_NAMES)]
        self.names += 1
        return User.objects.create(username=username, first_name=first, last_name=last, password=self.password)

    def orgs(self) -> None:
        since = self.now - dt.timedelta(days=730)
        for key, name, code, province, address, head_title, deputies, staff_titles, sec_code in D.AGENCIES:
            agency = Agency.objects.create(name=name, code=code, province=province, address=address)
            office = Unit.objects.create(agency=agency, name=f"دفتر {head_title}")
            units = [Unit.objects.create(agency=agency, name=f"حوزه {title}", parent=office) for title in deputies]
            sec_unit = Unit.objects.create(agency=agency, name="دبیرخانه", parent=office)
            prefix = key.upper()
            rows = [(office, head_title, True, True, "HEAD", "raeis")]
            rows += [(units[i], title, True, True, f"DEP{i + 1}", f"moaven{i + 1}") for i, title in enumerate(deputies)]
            rows += [(units[i % len(units)], title, False, False, f"EXP{i + 1}", f"karshenas{i + 1}")
                     for i, title in enumerate(staff_titles)]
            rows.append((sec_unit, "مسئول دبیرخانه", False, False, "SEC", "dabir"))
            positions = []
            for unit, title, is_manager, can_sign, suffix, who in rows:
                position = Position.objects.create(unit=unit, title=title, code=f"{prefix}.{suffix}",
                                                   is_manager=is_manager, can_sign=can_sign)
                user = self._person(f"{key}.{who}")
                Assignment.objects.create(user=user, position=position, role=Assignment.Role.HOLDER, starts_at=since)
                self.holders[position.id] = user
                positions.append(position)
            secretariat = Secretariat.objects.create(agency=agency, name=f"دبیرخانه {name}", code=sec_code)
            secretariat.clerks.add(self.holders[positions[-1].id])
            series = {}
            for kind, label, letter in ((Kind.INCOMING, "وارده", "و"), (Kind.OUTGOING, "صادره", "ص"),
                                        (Kind.INTERNAL, "داخلی", "د")):
                series[kind] = NumberSeries.objects.create(secretariat=secretariat, name=label, code=letter,
                                                           template="{year}/{secretariat}-{code}/{seq}", kinds=[kind])
            self.ctx[key] = Ctx(key, agency, secretariat, series, positions[0],
                                [p for p in positions if p.is_manager], [p for p in positions[1:-1] if not p.is_manager],
                                positions[-1], D.PROFILES[key])

    def originals(self) -> None:
        """The four agencies of the demo: their history goes in their previous system's series, up to the
        first letter registered through the services."""
        held = {a.position_id: a.user for a in Assignment.objects.current().filter(role=Assignment.Role.HOLDER)
                .select_related("user")}
        self.holders.update(held)
        for spec in data.AGENCIES:
            agency = Agency.objects.get(code=spec["code"])
            secretariat = Secretariat.objects.filter(agency=agency).order_by("id").first()
            series = {}
            for (name, code, kinds), template in zip(D.OLD_SERIES, ["{year}/{code}/{seq}"] * 3, strict=True):
                series[kinds[0]] = NumberSeries.objects.create(secretariat=secretariat, name=name, code=code,
                                                               template=template, kinds=kinds, active=False)
            by_key = {key: Position.objects.get(code=key.upper()) for key, *_rest in spec["positions"]}
            clerks = {key for key, *_r, holder in spec["positions"] if holder in spec["clerks"]}
            managers = [p for k, p in by_key.items() if p.is_manager and k not in clerks]
            staff = [p for k, p in by_key.items() if not p.is_manager and k not in clerks]
            first = Letter.objects.filter(agency=agency, registered_at__isnull=False).aggregate(m=Min("registered_at"))["m"]
            cutoff = first.astimezone(TEHRAN).date() if first else self.today
            self.ctx[spec["key"]] = Ctx(spec["key"], agency, secretariat, series, by_key[spec["head"]], managers,
                                        staff or managers, by_key[spec["clerk_position"]], D.PROFILES[spec["key"]],
                                        cutoff=cutoff)

    def signing_and_exchange(self) -> None:
        """The new agencies that sign digitally set up their CA and their signers' certificates; every
        connected agency joins the exchange (its exchange certificate from its own CA)."""
        from dabir.exchange import services as exchange
        from dabir.signing import services as signing

        for ctx in self.ctx.values():
            if ctx.cutoff is not None:
                continue  # the four of the demo have theirs already
            if max(ctx.profile["sign"]) > 0:
                signing.create_authority(user=self.admin, agency=ctx.agency, name=f"مرجع گواهی {ctx.agency.name}")
                for position in ctx.signers:
                    signing.issue_certificate(user=self.admin, position=position)
            if ctx.profile["connected"]:
                exchange.join_agency(user=self.admin, agency=ctx.agency)

    def supervisors(self) -> None:
        for username, first, last, level, province, office in D.SUPERVISORS:
            user = User.objects.create(username=username, first_name=first, last_name=last, password=self.password)
            Supervisor.objects.create(user=user, level=level, province=province, office=self.ctx[office].agency)

    # ------------------------------------------------------------ habits and moments

    def habit(self, ctx: Ctx, name: str, month: int) -> float:
        value = ctx.profile[name]
        if isinstance(value, tuple):
            return value[0] + (value[1] - value[0]) * month / (len(self.months) - 1)
        return value

    def working_days(self) -> list[list[dt.date]]:
        holidays = set(Holiday.objects.values_list("date", flat=True))
        out = []
        for period in self.months:
            day, days = period.start, []
            while day <= min(period.end, self.today):
                if not is_weekend(day) and day not in holidays:
                    days.append(day)
                day += dt.timedelta(days=1)
            out.append(days)
        return out

    def moment(self, day: dt.date) -> dt.datetime:
        at = dt.datetime.combine(day, dt.time(7, 30), tzinfo=TEHRAN) + dt.timedelta(minutes=self.rng.randint(0, 420))
        return min(at, self.now - dt.timedelta(minutes=self.rng.randint(60, 180)))

    def later(self, at: dt.datetime, hours: float) -> dt.datetime | None:
        """`hours` after `at`, or None if that is still to come."""
        value = at + dt.timedelta(hours=hours)
        return value if value < self.now - dt.timedelta(minutes=5) else None

    def delay(self, median_hours: float) -> float:
        return min(self.rng.lognormvariate(math.log(max(median_hours, 0.1)), 1.0), 24 * 60)

    def active_managers(self, ctx: Ctx, month: int) -> list[Position]:
        """The managers who work in the system this month: the first ones of the agency's list, the head
        last (the one most often left to paper)."""
        ordered = ctx.managers[1:] + ctx.managers[:1]
        return ordered[:round(self.habit(ctx, "managers", month) * len(ordered))]

    def deadline(self, agency: Agency, day: dt.date, urgency: str) -> dt.date:
        days = agency.default_deadline_days(urgency)
        if (day, days) not in self.deadlines:
            self.deadlines[(day, days)] = add_working_days(day, days)
        return self.deadlines[(day, days)]

    # ------------------------------------------------------------ the year's letters

    def history(self) -> dict:
        days_by_month = self.working_days()
        all_days = sum(len(d) for d in days_by_month)
        names = {key: ctx.agency.name for key, ctx in self.ctx.items()}
        letters: list[Letter] = []
        extras: list[dict] = []  # per letter: recipients, access, referrals, prints (rows without the letter id)
        for key, ctx in self.ctx.items():
            plans = []
            rate = max(30, ctx.profile["volume"] * self.scale) / all_days
            for month, days in enumerate(days_by_month):
                days = [d for d in days if ctx.cutoff is None or d < ctx.cutoff]
                if not days:
                    continue
                factor = 0.6 if self.months[month].n == 1 else 1.0  # Nowruz
                count = round(rate * len(days) * factor * self.rng.uniform(0.85, 1.15))
                plans += [(self.moment(self.rng.choice(days)), month) for _ in range(count)]
            plans.sort()
            others = [name for k, name in names.items() if k != key]
            for at, month in plans:
                kind = _pick(self.rng, KINDS)
                letter, extra = getattr(self, f"_{kind}")(ctx, at, month, others)
                letters.append(letter)
                extras.append(extra)
        self._number(letters)
        return self._save(letters, extras)

    def _number(self, letters: list[Letter]) -> None:
        """Gapless numbers per series and Jalali year, in registration order; the counters follow."""
        seqs: dict[tuple, int] = defaultdict(int)
        for letter in sorted(letters, key=lambda x: x.registered_at):
            year = jalali_year(letter.registered_at)
            seqs[(letter.series.pk, year)] += 1
            letter.year, letter.seq = year, seqs[(letter.series.pk, year)]
            letter.number = letter.series.format(year=year, seq=letter.seq)
        for (series, year), last in seqs.items():
            NumberCounter.objects.update_or_create(series_id=series, year=year, defaults={"last": last})

    def _urgency(self) -> str:
        return _pick(self.rng, [(Urgency.NORMAL, 75), (Urgency.URGENT, 20), (Urgency.IMMEDIATE, 5)])

    def _base(self, ctx: Ctx, kind: str, at: dt.datetime, **fields) -> Letter:
        return Letter(kind=kind, agency=ctx.agency, secretariat=ctx.secretariat, series=ctx.series[kind],
                      registered_at=at, urgency=self._urgency(), **fields)

    def _work(self, ctx: Ctx, letter: Letter, month: int, start: dt.datetime, sender: Position,
              to: Position, action: str, parent_index=None) -> list[dict]:
        """A referral from `sender` to `to` made at `start`, read and acted on by the agency's habits;
        returns it (and, if the recipient forwards it, the one after it) as row specs."""
        day = start.astimezone(TEHRAN).date()
        due = self.deadline(ctx.agency, day, letter.urgency)
        read = self.later(start, self.delay(self.habit(ctx, "read", month)))
        row = dict(from_position=sender, from_user=self.holders[sender.id], to_position=to, action=action,
                   deadline=due, created_at=start, read_at=read, read_by=self.holders[to.id] if read else None,
                   urgency=letter.urgency, status=ReferralStatus.READ if read else ReferralStatus.UNREAD,
                   parent=parent_index, note="جهت اقدام" if action == Action.ACTION else "جهت امضا")
        if read:
            end = dt.datetime.combine(due, dt.time(14, 0), tzinfo=TEHRAN)
            if self.rng.random() < self.habit(ctx, "late", month):
                acted = end + dt.timedelta(days=self.rng.uniform(1, 12))
            else:
                acted = read + (max(end, read + HOUR) - read) * self.rng.uniform(0.05, 0.9)
            if acted < self.now - dt.timedelta(minutes=5):
                row.update(acted_at=acted, acted_by=row["read_by"], status=ReferralStatus.DONE,
                           result_note="انجام شد")
        return [row]

    def _prints(self, ctx: Ctx, at: dt.datetime, month: int, user: User) -> list[dict]:
        if self.rng.random() >= self.habit(ctx, "prints", month):
            return []
        rows = []
        for _ in range(2 if self.rng.random() < 0.2 else 1):
            when = self.later(at, self.rng.uniform(0.1, 6)) or at
            rows.append(dict(user=user, agency=ctx.agency, kind=PrintRecord.Kind.LETTER, at=when,
                             pages=max(1, round(self.habit(ctx, "pages", month) + self.rng.uniform(-0.5, 0.5))),
                             copies=max(1, round(self.habit(ctx, "copies", month) + self.rng.uniform(-0.5, 0.5)))))
        return rows

    def _party(self, ctx: Ctx, others: list[str]) -> tuple[str, bool]:
        if self.rng.random() < 0.35:
            return self.rng.choice(others), True
        return self.rng.choice(D.OUTSIDE_PARTIES), False

    def _electronic(self, ctx: Ctx, name: str, between: bool, share: float) -> str | None:
        """The electronic channel of a letter to or from `name`, or None when it goes on paper."""
        if self.rng.random() >= share:
            return None
        if between and ctx.profile["connected"] and self._connected(name):
            return Channel.NETWORK
        if name.startswith(("آقای", "خانم")):
            return Channel.COUNTER
        return Channel.EMAIL

    def _connected(self, name: str) -> bool:
        ctx = next((c for c in self.ctx.values() if c.agency.name == name), None)
        return ctx is None or ctx.profile["connected"]

    def _incoming(self, ctx: Ctx, at, month, others):
        rng = self.rng
        sender, between = self._party(ctx, others)
        channel = self._electronic(ctx, sender, between, self.habit(ctx, "e_in", month)) or _pick(rng, PAPER_IN)
        clerk = self.holders[ctx.clerk.id]
        letter = self._base(
            ctx, Kind.INCOMING, at, status=Status.REGISTERED, subject=rng.choice(D.INCOMING_SUBJECTS),
            body="<p>با سلام و احترام، به پیوست جهت استحضار و اقدام ارسال می‌گردد.</p>", sender_name=sender,
            sender_number=f"{jalali_year(at)}/{rng.randint(100, 9999)}", channel=channel, received_at=at,
            sender_date=(at - dt.timedelta(days=rng.randint(1, 5))).astimezone(TEHRAN).date(),
            paper_location="بایگانی دبیرخانه" if channel in (Channel.POST, Channel.IN_PERSON) else "",
            created_by=clerk, registered_by=clerk, created_at=at,
        )
        manager, expert = rng.choice(ctx.managers), rng.choice(ctx.staff)
        if manager in self.active_managers(ctx, month):
            # The manager refers it in the system; his expert acts on it.
            first = self._work(ctx, letter, month, at, ctx.clerk, manager, Action.ACTION)[0]
            referrals = [first]
            if first["read_at"]:
                forward = self.later(first["read_at"], rng.uniform(0.1, 3))
                if forward:
                    first.update(status=ReferralStatus.FORWARDED, acted_at=forward, acted_by=first["read_by"],
                                 result_note="")
                    referrals += self._work(ctx, letter, month, forward, manager, expert, Action.ACTION, 0)
                else:
                    first.update(status=ReferralStatus.READ, acted_at=None, acted_by=None, result_note="")
        else:
            # The manager writes his order on the paper; the secretariat refers it to the expert.
            referrals = self._work(ctx, letter, month, at, ctx.clerk, expert, Action.ACTION)
        last = referrals[-1]
        if last.get("acted_at"):
            letter.status, letter.closed_at = Status.CLOSED, last["acted_at"]
            letter.closed_note = "اقدام شد؛ مختومه."
        _routed(letter, referrals[0]["to_position"], between)
        chain = {r["to_position"].id for r in referrals} | {ctx.clerk.id}
        return letter, dict(recipients=[], access=[(p, Access.Reason.CHAIN) for p in chain], referrals=referrals,
                            prints=self._prints(ctx, at, month, clerk))

    def _outgoing(self, ctx: Ctx, at, month, others):
        rng = self.rng
        to, between = self._party(ctx, others)
        author, signer = rng.choice(ctx.staff), rng.choice(ctx.signers)
        approved = at - dt.timedelta(hours=rng.uniform(0.2, 3))
        asked = approved - dt.timedelta(hours=rng.uniform(0.5, 20))
        created = asked - dt.timedelta(hours=rng.uniform(0.2, 4))
        letter = self._base(
            ctx, Kind.OUTGOING, at, status=Status.REGISTERED, subject=rng.choice(D.OUTGOING_SUBJECTS),
            body="<p>احتراماً، موضوع در این دستگاه بررسی شد و نتیجه به شرح زیر اعلام می‌گردد.</p>",
            author_position=author, signer_position=signer, approved_at=approved, approved_by=self.holders[signer.id],
            created_by=self.holders[author.id], registered_by=self.holders[ctx.clerk.id], created_at=created,
            channel=Channel.SYSTEM,
        )
        sent = self.later(at, rng.uniform(0.1, 5))
        if sent:
            letter.status, letter.dispatched_at = Status.DISPATCHED, sent
            letter.channel = self._electronic(ctx, to, between, self.habit(ctx, "e_out", month)) or _pick(rng, PAPER_OUT)
        signature = dict(from_position=author, from_user=self.holders[author.id], to_position=signer,
                         action=Action.SIGNATURE, note="جهت امضا", created_at=asked, urgency=letter.urgency,
                         deadline=self.deadline(ctx.agency, asked.astimezone(TEHRAN).date(), letter.urgency),
                         read_at=asked + (approved - asked) / 2, read_by=self.holders[signer.id],
                         acted_at=approved, acted_by=self.holders[signer.id], status=ReferralStatus.DONE)
        extra = dict(recipients=[Recipient(role=Recipient.Role.TO, name=to)],
                     access=[(author.id, Access.Reason.AUTHOR), (signer.id, Access.Reason.SIGNER)],
                     referrals=[signature], prints=self._prints(ctx, at, month, self.holders[author.id]))
        if ctx.signers and rng.random() < self.habit(ctx, "sign", month):
            extra["sign"] = True
        return letter, extra

    def _internal(self, ctx: Ctx, at, month, others):
        rng = self.rng
        author, to = rng.choice(ctx.staff), rng.choice(ctx.managers)
        signer = rng.choice(ctx.signers) if ctx.signers else to
        letter = self._base(
            ctx, Kind.INTERNAL, at, status=Status.REGISTERED, subject=rng.choice(D.INTERNAL_SUBJECTS),
            body="<p>با سلام، خواهشمند است دستور فرمایید اقدام لازم معمول گردد.</p>", author_position=author,
            signer_position=signer, approved_at=at - dt.timedelta(minutes=rng.randint(10, 120)),
            approved_by=self.holders[signer.id], created_by=self.holders[author.id],
            registered_by=self.holders[ctx.clerk.id], created_at=at - dt.timedelta(hours=rng.uniform(2, 20)),
            channel=Channel.SYSTEM,
        )
        referrals = self._work(ctx, letter, month, at, author, to, Action.ACTION)
        if referrals[-1].get("acted_at"):
            letter.status, letter.closed_at = Status.CLOSED, referrals[-1]["acted_at"]
            letter.closed_note = "انجام شد."
        access = [(author.id, Access.Reason.AUTHOR), (signer.id, Access.Reason.SIGNER),
                  (to.id, Access.Reason.RECIPIENT), (to.id, Access.Reason.CHAIN), (author.id, Access.Reason.CHAIN)]
        return letter, dict(recipients=[Recipient(role=Recipient.Role.TO, position=to)], access=access,
                            referrals=referrals, prints=self._prints(ctx, at, month, self.holders[author.id]))

    def _save(self, letters: list[Letter], extras: list[dict]) -> dict:
        for letter, extra in zip(letters, extras, strict=True):
            letter.search_text = letter_search_text(letter, recipients=extra["recipients"])
        Letter.objects.bulk_create(letters, batch_size=500)
        recipients, access, prints, referrals = [], [], [], []
        for letter, extra in zip(letters, extras, strict=True):
            for order, r in enumerate(extra["recipients"]):
                r.letter, r.order = letter, order
                recipients.append(r)
            access += [Access(letter=letter, position_id=p, reason=reason) for p, reason in set(extra["access"])]
            prints += [PrintRecord(letter=letter, **row) for row in extra["prints"]]
            referrals.append([Referral(letter=letter, **{k: v for k, v in row.items() if k != "parent"})
                              for row in extra["referrals"]])
            if extra.get("sign"):
                self.to_sign.append(letter)
        Recipient.objects.bulk_create(recipients, batch_size=1000)
        Access.objects.bulk_create(access, batch_size=1000)
        PrintRecord.objects.bulk_create(prints, batch_size=1000)
        # A forwarded referral first, then the one it led to (which names it as its parent).
        Referral.objects.bulk_create([rows[0] for rows in referrals], batch_size=1000)
        children = []
        for rows in referrals:
            for child in rows[1:]:
                child.parent = rows[0]
                children.append(child)
        Referral.objects.bulk_create(children, batch_size=1000)
        return {"letters": len(letters), "referrals": sum(len(r) for r in referrals), "prints": len(prints)}

    def sign(self) -> int:
        """Real digital signatures, through the signing service, by each signer's holder."""
        from dabir.signing import services as signing

        for letter in self.to_sign:
            signing.sign(user=self.holders[letter.signer_position_id], seat=Seat(letter.signer_position, False),
                         letter=letter)
        return len(self.to_sign)

    def exchange_letters(self) -> int:
        """This month's letters between connected agencies that travel for real: drafted, signed, numbered
        and dispatched «الکترونیکی» through the letters' services, carried by the exchange (as the worker
        would) and registered by the receiving secretariat with a referral — so «between agencies by the
        exchange» has letters behind it. They carry the moment of loading, like the signatures."""
        from dabir.exchange import services as exchange
        from dabir.exchange.models import Arrival
        from dabir.letters import services as letters

        from . import exchange as exchange_demo

        senders = [k for k, n in D.EXCHANGE_LETTERS for _ in range(max(1, round(n * self.scale)))]
        receivers = [k for k, ctx in self.ctx.items() if ctx.cutoff is None and ctx.profile["connected"]]
        for key in senders:
            ctx = self.ctx[key]
            there = self.ctx[self.rng.choice([k for k in receivers if k != key])]
            author, signer = self.rng.choice(ctx.staff), self.rng.choice(ctx.signers)
            writer, approver = self.holders[author.id], self.holders[signer.id]
            draft = letters.create_draft(
                user=writer, seat=Seat(author, False), kind=Kind.OUTGOING, subject=self.rng.choice(D.OUTGOING_SUBJECTS),
                body="<p>احتراماً، موضوع در این دستگاه بررسی شد و نتیجه به شرح زیر اعلام می‌گردد.</p>",
                to=[there.agency.name], signer_position_id=signer.id)
            letters.submit_for_signature(user=writer, seat=Seat(author, False), letter=draft, note="جهت امضا")
            draft = letters.approve(user=approver, seat=Seat(signer, False), letter=draft)
            clerk = self.holders[ctx.clerk.id]
            draft = letters.register_letter(user=clerk, letter=draft)
            draft = letters.dispatch(user=clerk, letter=draft, channel=Channel.NETWORK)
            exchange_demo.run_outbox()
            arrival = Arrival.objects.get(agency=there.agency, sender_letter=draft.uid)
            exchange.accept_arrival(
                user=self.holders[there.clerk.id], arrival=arrival, secretariat=there.secretariat,
                seat=Seat(there.clerk, False),
                refer_to=[letters.ReferralSpec(self.rng.choice(there.managers).id, Action.ACTION, "جهت اقدام")])
            exchange_demo.run_outbox()  # the registration receipt goes back
        return len(senders)

    def evaluation(self) -> dict:
        """The province's office evaluates five secretariats on last quarter through the evaluation's
        services: the questionnaire goes as a letter to each; Khorramshahr answers truly and is scored, the
        courts claim 90% electronic letters where Dabir measured far less (a discrepancy), are visited,
        scored and given an open action; the medical university and roads have answered; Mahshahr not yet."""
        from dabir.stats.services import evaluation as ev

        ostan = User.objects.get(username="nazer.ostan")
        period = current("quarter", self.today).previous()
        q = ev.create_questionnaire(
            user=ostan, title=f"ارزیابی دبیرخانه‌های استان — {period.label}", period=period.key,
            intro="بر پایه بخشنامه کاهش مصرف کاغذ و اجرای سازمان کم‌کاغذ؛ پاسخ‌ها با آمار سامانه دبیر سنجیده می‌شود.",
            answer_due=self.today + dt.timedelta(days=14))
        questions = [
            ev.add_question(user=ostan, questionnaire=q, kind="percent", weight=3, figure="in_electronic_share",
                            tolerance=10, text="چند درصد نامه‌های وارده دستگاه به‌صورت الکترونیکی دریافت شده است؟"),
            ev.add_question(user=ostan, questionnaire=q, kind="percent", weight=2, figure="signed_digital_share",
                            tolerance=10, text="چند درصد نامه‌های صادره با امضای الکترونیکی امضا شده است؟"),
            ev.add_question(user=ostan, questionnaire=q, kind="yes_no", weight=1,
                            text="آیا دستورالعمل کاهش چاپ و تکثیر در دستگاه ابلاغ شده است؟"),
            ev.add_question(user=ostan, questionnaire=q, kind="scale", weight=1,
                            text="زیرساخت شبکه و سامانه دبیرخانه تا چه اندازه پاسخ‌گوی کار است؟"),
            ev.add_question(user=ostan, questionnaire=q, kind="text", weight=0,
                            text="مهم‌ترین مانع حذف کاغذ در دبیرخانه چیست؟"),
        ]
        keys = ["khorramshahr", "dadgostari", "jundishapur", "rahdari", "mahshahr"]
        sent = {e.agency_id: e for e in ev.send(user=ostan, questionnaire=q,
                                                agency_ids=[self.ctx[k].agency.id for k in keys])}
        answers = {
            "khorramshahr": ["۹۶", "۹۵", "بله", "۵", "بایگانی کاغذی نامه‌های سال‌های پیش"],
            "dadgostari": ["۹۰", "۴۰", "بله", "۲", "اتصال نداشتن به شبکه تبادل و ضرورت امضای کاغذی پرونده‌ها"],
            "jundishapur": ["۷۵", "۶۰", "خیر", "۳", "چاپ پرونده‌های کمیسیون پزشکی"],
            "rahdari": ["۳۰", "۱۰", "خیر", "۲", "کمبود رایانه در ادارات شهرستان‌ها"],
        }
        for key, values in answers.items():
            evaluation = sent[self.ctx[key].agency.id]
            head = self.holders[self.ctx[key].head.id]
            ev.answer(user=head, evaluation=evaluation,
                      values={question.pk: value for question, value in zip(questions, values, strict=True)})
        courts = sent[self.ctx["dadgostari"].agency.id]
        ostan = User.objects.get(username="nazer.ostan")
        ev.record_visit(user=ostan, evaluation=courts, visited_on=self.today - dt.timedelta(days=3), score=35,
                        findings="نامه‌های وارده کاغذی و با پست می‌رسند؛ دستگاه به شبکه تبادل وصل نیست؛ هر نامه "
                                 "در چند نسخه چاپ و بایگانی می‌شود.")
        for key in ("khorramshahr", "dadgostari", "jundishapur"):
            ev.score(user=ostan, evaluation=sent[self.ctx[key].agency.id])
        ev.add_action(user=ostan, evaluation=courts, due=self.today + dt.timedelta(days=60),
                      text="اتصال دبیرخانه به شبکه تبادل نامه دولت و دریافت الکترونیکی نامه‌های دستگاه‌ها")
        return {"questionnaire": q.pk, "evaluations": len(sent)}

    def build(self) -> dict:
        # CPU seconds per step (process time: what the step costs, whatever else the machine runs).
        took, clock = {}, time.process_time()

        def lap(name):
            nonlocal clock
            took[name], clock = round(time.process_time() - clock, 1), time.process_time()

        with transaction.atomic():
            self.orgs()
            self.originals()
            self.signing_and_exchange()
            self.supervisors()
            lap("orgs")
            summary = self.history()
            lap("letters")
            summary["signed"] = self.sign()
            lap("signing")
            summary["exchanged"] = self.exchange_letters()
            lap("exchange")
            summary["days"] = aggregate.rebuild()
            lap("figures")
            summary["evaluation"] = self.evaluation()
            aggregate.refresh()  # the questionnaires' letters, registered just now
            lap("evaluation")
        summary["cpu_seconds"] = took
        khz = Agency.objects.filter(province=D.PROVINCE).count()
        self.log(f"نظارت: {khz} دستگاه خوزستان، {summary['letters']} نامه یک سال گذشته "
                 f"({summary['signed']} با امضای الکترونیکی، {summary['exchanged']} از شبکه تبادل)، "
                 f"ناظران nazer.ostan و nazer.keshvar (CPU s: "
                 + ", ".join(f"{k} {v}" for k, v in took.items()) + ").")
        return summary


def load(*, seed: int = 1405, scale: float = 1.0, log=None) -> dict:
    return StatsDemo(seed=seed, scale=scale, log=log).build()


def accounts() -> list[dict]:
    """The supervisors for the sign-in table (with the managers that see their own agency's page)."""
    rows = []
    for username, first, last, level, province, _office in D.SUPERVISORS:
        sup = Supervisor.objects.filter(user__username=username).select_related("office").first()
        if sup is None:
            continue
        where = f"ناظر استان {province}" if level == Level.PROVINCE else "ناظر کشوری"
        rows.append({"username": username, "password": data.DEMO_PASSWORD, "name": f"{first} {last}",
                     "role": "supervisor", "positions": where, "agency": sup.office.name})
    for username in ("khorramshahr.raeis", "dadgostari.raeis"):
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        seat = Assignment.objects.current().filter(user=user).select_related("position__unit__agency").first()
        rows.append({"username": username, "password": data.DEMO_PASSWORD, "name": user.get_full_name(),
                     "role": "manager (own agency's figures)", "positions": seat.position.title if seat else "—",
                     "agency": seat.position.unit.agency.name if seat else ""})
    return rows
