"""Build the realistic Persian demo: four Khuzestan agencies, their people, and ~300 letters.

Organisation configuration (agencies, units, positions, holders, secretariats, series, holidays)
is created with plain ORM calls, as an admin would; acting holders, agency admins, folders and
every letter go through the services, so the audit chain and the numbering are the real ones.

Letters are simulated on a clock: each letter gets a story (a scenario) with planned moments
over the last ~60 days, all the stories' steps run in the order of their planned moments (so
official numbers follow registration time), and afterwards the timestamps of letters, referrals,
filings and prints are moved back to their planned moments and referral deadlines are counted
again from the back-dated referral dates. This back-dating is for the demo only: the services
never write a date in the past. The audit log keeps the real moment the demo was loaded.
"""

import bisect
import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field

import jdatetime
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from dabir.accounts.models import User
from dabir.core.calendar import add_working_days
from dabir.core.jalali import TEHRAN, jalali_year
from dabir.core.models import Holiday
from dabir.core.text import to_persian_digits
from dabir.exchange import services as exchange
from dabir.exchange.models import Arrival, Delivery, Inquiry, Transfer
from dabir.letters import services
from dabir.letters.models import (
    Action,
    Attachment,
    Channel,
    Classification,
    Filing,
    Folder,
    Kind,
    Letter,
    PrintRecord,
    Referral,
    Urgency,
)
from dabir.letters.services import ReferralSpec, Upload
from dabir.orgs.models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit
from dabir.orgs.selectors import Seat
from dabir.orgs.services import appoint_acting, make_agency_admin

from . import data
from . import exchange as exchange_demo
from .pdf import scan_pdf

# Scenario → (weight, age range in days). Open work is recent; finished work spreads back ~60 days.
INCOMING_SCENARIOS = {
    "in_unread": (10, (0, 3)),
    "in_read": (8, (0, 5)),
    "in_forwarded": (12, (0, 6)),
    "in_at_expert": (12, (1, 8)),
    "in_acting": (5, None),
    "in_overdue": (10, (18, 40)),
    "in_done": (14, (3, 60)),
    "in_closed": (14, (5, 60)),
    "in_archived": (10, (10, 60)),
    "in_replied": (10, (8, 50)),
    "in_void": (4, (2, 50)),
}
OUTGOING_SCENARIOS = {
    "out_draft": (6, (0, 5)),
    "out_returned": (3, (1, 8)),
    "out_awaiting": (6, (0, 4)),
    "out_approved": (4, (0, 3)),
    "out_registered": (4, (0, 4)),
    "out_dispatched": (14, (3, 60)),
    "out_archived": (6, (15, 60)),
    "out_void": (2, (5, 50)),
}
INTERNAL_SCENARIOS = {
    "int_draft": (4, (0, 5)),
    "int_awaiting": (4, (0, 4)),
    "int_approved": (2, (0, 3)),
    "int_delivered": (6, (0, 5)),
    "int_read": (6, (0, 8)),
    "int_done": (8, (3, 60)),
    "int_closed": (6, (5, 60)),
}
SCENARIOS = {**INCOMING_SCENARIOS, **OUTGOING_SCENARIOS, **INTERNAL_SCENARIOS}
# Letters between the demo agencies that show each state of the exchange, made besides --letters:
# (scenario, sender agency, receiving agency or "peer" (the unreachable server), CC agency, days ago).
EXCHANGE_STORIES = [
    ("ex_accepted", "sh", "os", "fa", 12),
    ("ex_returned", "os", "sa", None, 9),
    ("ex_pending", "fa", "os", None, 2),
    ("ex_reply", "os", "sh", None, 20),
    ("ex_failed", "os", "peer", None, 3),
]
# What the receiving secretariat does with a letter that arrived: (fate, weight) for ordinary letters.
FATES = (("accept", 5), ("pending", 3), ("return", 2))


def is_loaded() -> bool:
    return Agency.objects.filter(code=data.MARKER_AGENCY_CODE).exists()


@dataclass
class Step:
    at: dt.datetime
    order: tuple
    run: object  # a callable taking no arguments


@dataclass
class Story:
    """One letter's planned life: its agency, topic and the state its steps share."""

    index: int
    scenario: str
    agency: dict
    topic: str
    t0: dt.datetime
    state: dict = field(default_factory=dict)


class DemoBuilder:
    def __init__(self, *, letters: int = 300, seed: int = 1405, log=None):
        self.rng = random.Random(seed)
        self.letters = letters
        self.log = log or (lambda message: None)
        self.now = timezone.now()
        self.year = jalali_year(self.now)
        self.year_start = jdatetime.datetime(self.year, 1, 1, 1, 0, tzinfo=TEHRAN).togregorian()
        self.users: dict[str, User] = {}
        self.positions: dict[str, Position] = {}
        self.secretariats: dict[str, Secretariat] = {}
        self.agency_rows: dict[str, Agency] = {}
        self.folders: dict[tuple[str, str], Folder] = {}
        self.acting: dict[str, list[tuple[User, dt.datetime, dt.datetime]]] = {}
        self.holder_of: dict[str, str] = {}
        self.steps: list[Step] = []
        self.seq = 0

    # ------------------------------------------------------------ organisation

    def build_orgs(self) -> None:
        password = make_password(data.DEMO_PASSWORD)  # hashed once, shared by every demo account
        admin = User.objects.create(
            username="admin", first_name="مدیر", last_name="سامانه", is_staff=True, is_superuser=True,
            password=password,
        )
        self.users["admin"] = admin
        for username, (first, last, national_code, mobile) in data.PEOPLE.items():
            self.users[username] = User.objects.create(
                username=username, first_name=first, last_name=last, national_code=national_code,
                mobile=mobile, password=password,
            )
        since = self.now - dt.timedelta(days=730)
        for spec in data.AGENCIES:
            agency = Agency.objects.create(
                name=spec["name"], code=spec["code"], province="خوزستان", address=spec["address"]
            )
            units: dict[str, Unit] = {}
            for key, name, parent in spec["units"]:
                units[key] = Unit.objects.create(agency=agency, name=name, parent=units.get(parent))
            for key, unit, title, is_manager, can_sign, holder in spec["positions"]:
                position = Position.objects.create(
                    unit=units[unit], title=title, code=key.upper(), is_manager=is_manager, can_sign=can_sign
                )
                self.positions[key] = position
                self.holder_of[key] = holder
                Assignment.objects.create(
                    user=self.users[holder], position=position, role=Assignment.Role.HOLDER, starts_at=since
                )
            name, code = spec["secretariat"]
            secretariat = Secretariat.objects.create(agency=agency, name=name, code=code)
            secretariat.clerks.add(*[self.users[u] for u in spec["clerks"]])
            self.secretariats[spec["key"]] = secretariat
            for series_name, series_code, template, kinds in spec["series"]:
                NumberSeries.objects.create(
                    secretariat=secretariat, name=series_name, code=series_code, template=template, kinds=kinds
                )
            self.agency_rows[spec["key"]] = agency
        self._holidays()
        self._acting(admin)
        for username, agency_key in data.AGENCY_ADMINS:
            make_agency_admin(actor=admin, user=self.users[username], agency=self.agency_rows[agency_key])
        self._signing(admin)
        exchange_demo.setup(admin, self.agency_rows)
        for spec in data.AGENCIES:
            desks = {topic: manager for topic, manager, _experts in spec["desks"]}
            for code, title, topic in spec["folders"]:
                user, seat = self.seat(desks[topic], self.now)
                self.folders[(spec["key"], topic)] = services.create_folder(
                    user=user, seat=seat, code=code, title=title
                )

    def _signing(self, admin: User) -> None:
        """Every demo agency has set up its signing authority: signers sign digitally on approval, and
        letters and service-desk results verify as genuine at /verify/."""
        from dabir.signing import services as signing

        for agency in self.agency_rows.values():
            signing.create_authority(user=admin, agency=agency, name=f"مرجع گواهی {agency.name}")
            for position in Position.objects.filter(unit__agency=agency, can_sign=True):
                signing.issue_certificate(user=admin, position=position)

    def _agency(self, key: str) -> dict:
        return next(spec for spec in data.AGENCIES if spec["key"] == key)

    def _holidays(self) -> None:
        for month, day, title in data.HOLIDAYS:
            date = jdatetime.date(self.year, month, day).togregorian()
            Holiday.objects.get_or_create(date=date, defaults={"title": title})

    def _acting(self, admin: User) -> None:
        today = self.now.astimezone(TEHRAN).date()
        for position_key, username, start, length, note in data.ACTING:
            if start == "this_week":
                # The Iranian week starts on Saturday (Python weekday 5).
                saturday = today - dt.timedelta(days=(today.weekday() - 5) % 7)
                starts = dt.datetime.combine(saturday, dt.time(0, 0), tzinfo=TEHRAN)
                ends = starts + dt.timedelta(days=7)
            else:
                starts = dt.datetime.combine(today + dt.timedelta(days=start), dt.time(0, 0), tzinfo=TEHRAN)
                ends = starts + dt.timedelta(days=length)
            user = self.users[username]
            appoint_acting(
                position=self.positions[position_key], user=user, starts_at=starts, ends_at=ends, actor=admin,
                note=note,
            )
            self.acting.setdefault(position_key, []).append((user, starts, ends))

    def seat(self, position_key: str, when: dt.datetime, *, needs_view: bool = False) -> tuple[User, Seat]:
        """Who works a position at a moment: its acting holder inside an absence, else its holder.

        The services re-read the seat from today's assignments, so only an absence that is still
        running lets its acting holder act; a past absence's work is done by the holder.
        """
        position = self.positions[position_key]
        for user, starts, ends in self.acting.get(position_key, []):
            if starts <= when < ends and starts <= self.now < ends:
                return user, Seat(position, True)
        return self.users[self.holder_of[position_key]], Seat(position, False)

    # ------------------------------------------------------------ planning

    def plan(self) -> list[Story]:
        names = list(SCENARIOS)
        weights = [SCENARIOS[name][0] for name in names]
        chosen = names + self.rng.choices(names, weights=weights, k=max(0, self.letters - len(names)))
        agency_weights = [spec["weight"] for spec in data.AGENCIES]
        stories = []
        for index, scenario in enumerate(chosen):
            if scenario == "in_acting":
                agency, topic = self._agency("os"), "it"
                t0 = self._this_week_moment()
            else:
                agency = self.rng.choices(data.AGENCIES, weights=agency_weights)[0]
                topic = self.rng.choice(agency["desks"])[0]
                low, high = SCENARIOS[scenario][1]
                t0 = self._working_moment(self.rng.randint(low, high))
            stories.append(Story(index, scenario, agency, topic, t0))
        for scenario, sender, receiver, cc, days in EXCHANGE_STORIES:
            agency = self._agency(sender)
            story = Story(len(stories), scenario, agency, self.rng.choice(agency["desks"])[0],
                          self._working_moment(days))
            story.state.update(ex_to=receiver, ex_cc=cc)
            stories.append(story)
        return stories

    def _working_moment(self, days_ago: int) -> dt.datetime:
        day = self.now.astimezone(TEHRAN).date() - dt.timedelta(days=days_ago)
        while day.weekday() in (3, 4):  # Thursday, Friday
            day -= dt.timedelta(days=1)
        moment = dt.datetime.combine(day, dt.time(7, 30), tzinfo=TEHRAN) + dt.timedelta(
            minutes=self.rng.randint(0, 360)
        )
        moment = max(moment, self.year_start)
        return min(moment, self.now - dt.timedelta(minutes=self.rng.randint(30, 240)))

    def _this_week_moment(self) -> dt.datetime:
        starts = self.acting["os.it"][0][1]
        span = max((self.now - starts).total_seconds() - 3600, 600)
        return max(starts, self.now - dt.timedelta(seconds=self.rng.uniform(600, span)))

    def schedule(self, story: Story, actions: list) -> None:
        """Spread a story's actions from its t0 with working-hours gaps, never past now."""
        moments = [story.t0]
        for _ in actions[1:]:
            moments.append(moments[-1] + dt.timedelta(hours=self.rng.uniform(0.3, 20)))
        cap = self.now - dt.timedelta(minutes=5)
        if moments[-1] > cap and len(moments) > 1:
            room = max((cap - story.t0).total_seconds(), 60)
            used = (moments[-1] - story.t0).total_seconds()
            moments = [story.t0 + (m - story.t0) * (room / used) for m in moments]
        for number, (moment, action) in enumerate(zip(moments, actions, strict=True)):
            self.steps.append(Step(moment, (moment, story.index, number), _bind(action, story, moment)))

    # ------------------------------------------------------------ texts

    def fill(self, template: str, story: Story) -> str:
        rng = self.rng
        values = story.state.setdefault("values", {})
        if not values:
            others = [spec["name"] for spec in data.AGENCIES if spec is not story.agency]
            values.update(
                project=rng.choice(data.PROJECTS), county=rng.choice(data.COUNTIES),
                company=rng.choice(data.COMPANIES), citizen=rng.choice(data.CITIZENS),
                month=rng.choice(data.MONTHS), year=to_persian_digits(self.year),
                prev_year=to_persian_digits(self.year - 1), amount=to_persian_digits(rng.randint(12, 480)),
                pct=to_persian_digits(rng.randint(35, 92)), n=to_persian_digits(rng.randint(2, 480)),
                count=to_persian_digits(rng.randint(3, 14)), course=rng.choice(data.COURSES),
                weekday=rng.choice(data.WEEKDAYS), other_agency=rng.choice(others),
                ref=to_persian_digits(f"{self.year}/{rng.randint(100, 9999)}"),
                ref_date=to_persian_digits(f"{self.year}/{rng.randint(5, 8):02d}/{rng.randint(1, 29):02d}"),
            )
            expert_keys = [k for _t, _m, experts in story.agency["desks"] for k in experts]
            first, last, *_ = data.PEOPLE[self.holder_of[rng.choice(expert_keys)]]
            values["expert"] = f"سرکار خانم/جناب آقای {first} {last}"
        return template.format(**values)

    def body(self, core: str, story: Story, *, incoming: bool) -> str:
        rng = self.rng
        opening = rng.choice(data.OPENINGS)
        intro = self.fill(rng.choice(data.INTROS_IN), story) if incoming else "احتراماً،"
        closing = rng.choice(data.CLOSINGS_IN if incoming else data.CLOSINGS_OUT)
        return f"<p>{opening}</p><p>{intro} {self.fill(core, story)}</p><p>{closing}</p>"

    def urgency(self) -> str:
        return self.rng.choices([Urgency.NORMAL, Urgency.URGENT, Urgency.IMMEDIATE], weights=[70, 22, 8])[0]

    # ------------------------------------------------------------ stories

    def build_story(self, story: Story) -> None:
        if story.scenario.startswith("in_"):
            self._incoming(story)
        elif story.scenario.startswith(("out_", "ex_")):
            self._outgoing(story)
        else:
            self._internal(story)

    def _desk(self, story: Story) -> tuple[str, list[str]]:
        for topic, manager, experts in story.agency["desks"]:
            if topic == story.topic:
                return manager, experts
        raise KeyError(story.topic)

    def _clerk(self, story: Story) -> tuple[User, Seat]:
        return self._clerk_of(story.agency)

    def _clerk_of(self, agency: dict) -> tuple[User, Seat]:
        username = self.rng.choice(agency["clerks"])
        key = next(k for k, holder in self.holder_of.items() if holder == username)
        return self.users[username], Seat(self.positions[key], False)

    def _incoming(self, story: Story) -> None:
        rng, st, scenario = self.rng, story.state, story.scenario
        subject, core, senders = rng.choice(data.INCOMING[story.topic])
        sender_key = rng.choice(senders)
        if sender_key == "citizen":
            sender = self.fill("{citizen}", story)
            channel = rng.choice([Channel.IN_PERSON, Channel.COUNTER, Channel.POST])
        elif sender_key == "agency":
            sender = self.fill(rng.choice(["{other_agency}", "فرمانداری شهرستان {county}"]), story)
            channel = rng.choice([Channel.NETWORK, Channel.NETWORK, Channel.FAX, Channel.POST])
        elif sender_key == "company":
            sender = self.fill("{company}", story)
            channel = rng.choice([Channel.POST, Channel.IN_PERSON, Channel.EMAIL])
        else:
            sender = data.OUTSIDE[sender_key]
            channel = rng.choice([Channel.POST, Channel.NETWORK, Channel.FAX, Channel.EMAIL])
        classification = Classification.UNCLASSIFIED
        if "آسیب‌پذیری" in subject or sender_key == "court":
            classification = Classification.CONFIDENTIAL if "آسیب‌پذیری" in subject else Classification.RESTRICTED
        elif rng.random() < 0.05:
            classification = Classification.RESTRICTED
        manager, experts = self._desk(story)
        expert = rng.choice(experts)
        chain = [manager, expert]
        if story.agency["head"] and rng.random() < 0.3:
            chain.insert(0, story.agency["head"])
        st.update(
            subject=self.fill(subject, story), body=self.body(core, story, incoming=True), sender=sender,
            sender_key=sender_key, channel=channel, classification=classification, urgency=self.urgency(),
            chain=chain, scan=rng.random() < 0.2, sender_number=(
                "" if sender_key == "citizen" else f"{self.year}/{rng.randint(100, 9999)}/{rng.randint(1, 60)}"
            ),
        )
        info = story.agency["chief"] if rng.random() < 0.3 and scenario in (
            "in_unread", "in_read", "in_forwarded", "in_at_expert", "in_done", "in_overdue"
        ) else None
        actions = [lambda s, at, info=info: self._register(s, at, info)]
        if scenario == "in_void":
            actions.append(self._void)
        elif scenario == "in_unread":
            pass
        elif scenario == "in_read":
            actions.append(lambda s, at: self._read(s, at, 0))
        else:
            # Down the chain: each holder reads, then forwards with a margin note.
            depth = 1 if scenario == "in_forwarded" else len(chain) - 1
            for level in range(depth):
                actions.append(lambda s, at, level=level: self._read(s, at, level))
                actions.append(lambda s, at, level=level: self._forward(s, at, level))
            last = len(chain) - 1
            if scenario in ("in_at_expert", "in_done", "in_closed", "in_archived", "in_replied", "in_acting"):
                actions.append(lambda s, at: self._read(s, at, last))
            elif scenario == "in_overdue" and rng.random() < 0.5:
                actions.append(lambda s, at: self._read(s, at, last))
            if scenario == "in_done":
                actions.append(lambda s, at: self._complete(s, at, last))
            elif scenario in ("in_closed", "in_archived"):
                actions.append(lambda s, at: self._close(s, at, last))
            if scenario == "in_archived":
                actions.append(lambda s, at: self._archive(s, at, s.state["chain"][-1], s.state["letter"]))
                actions.append(lambda s, at: self._file(s, at, s.state["chain"][-1], s.state["letter"]))
            if scenario == "in_replied":
                actions += [
                    self._draft_reply, self._submit, self._approve, self._register_out, self._dispatch,
                    lambda s, at: self._close(s, at, last, reply=True),
                ]
                # A reply to one of the demo agencies travels electronically.
                st["network"] = sender in exchange_demo.local_names()
                if st["network"]:
                    st["to"] = [sender]
                    actions += self._network_tail(self._fate())
                if rng.random() < 0.4:
                    actions.append(lambda s, at: self._archive(s, at, s.state["chain"][-1], s.state["letter"]))
        if scenario not in ("in_unread", "in_void") and rng.random() < 0.25:
            actions.append(self._print)
        self.schedule(story, actions)

    def _outgoing(self, story: Story) -> None:
        rng, st, scenario = self.rng, story.state, story.scenario
        subject, core, addressees = rng.choice(data.OUTGOING[story.topic])
        manager, experts = self._desk(story)
        signer = story.agency["head"] if rng.random() < 0.25 else manager
        st.update(
            kind=Kind.OUTGOING, subject=self.fill(subject, story), body=self.body(core, story, incoming=False),
            to=[data.OUTSIDE[key] if key in data.OUTSIDE else self.fill("{other_agency}", story)
                for key in addressees[:1]],
            cc=[data.OUTSIDE[key] for key in addressees[1:2] if key in data.OUTSIDE],
            author=rng.choice(experts), signer=signer, urgency=self.urgency(),
            classification=Classification.RESTRICTED if story.topic == "legal" else Classification.UNCLASSIFIED,
        )
        if story.agency["chief"] and rng.random() < 0.3:
            st["cc"].append(self.positions[story.agency["chief"]].id)
        if scenario.startswith("ex_"):
            to, cc = st["ex_to"], st["ex_cc"]
            st["to"] = [data.UNREACHABLE_PEER[1] if to == "peer" else self._agency(to)["name"]]
            # Copies only to positions of its own agency, and to the CC agency of the exchange.
            st["cc"] = [c for c in st["cc"] if not isinstance(c, str)] + ([self._agency(cc)["name"]] if cc else [])
            path = "dispatched"
        else:
            path = scenario.removeprefix("out_")
        # Letters to the agencies in the exchange network leave electronically (all of them, or none).
        outside = [name for name in [*st["to"], *st["cc"]] if isinstance(name, str)]
        network = scenario.startswith("ex_") or (bool(outside) and set(outside) <= exchange_demo.local_names())
        st["network"] = network and path in ("dispatched", "archived")
        actions = [self._draft, *self._signing_path(path)]
        if st["network"]:
            fate = {"ex_accepted": "accept", "ex_returned": "return", "ex_pending": "pending", "ex_reply": "reply",
                    "ex_failed": "pending"}.get(scenario) or self._fate()
            actions += self._network_tail(fate)
        self.schedule(story, actions)

    def _fate(self) -> str:
        return self.rng.choices([f for f, _w in FATES], weights=[w for _f, w in FATES])[0]

    def _network_tail(self, fate: str) -> list:
        """What happens at the receiving end of a letter sent electronically, after its delivery."""
        if fate == "accept":
            return [self._accept_arrival]
        if fate == "return":
            return [self._return_arrival]
        if fate == "reply":
            return [self._accept_arrival, self._reply_draft,
                    lambda s, at: self._submit(s.state["back"], at), lambda s, at: self._approve(s.state["back"], at),
                    lambda s, at: self._register_out(s.state["back"], at),
                    lambda s, at: self._dispatch(s.state["back"], at),
                    lambda s, at: self._accept_arrival(s.state["back"], at)]
        return []

    def _internal(self, story: Story) -> None:
        rng, st, scenario = self.rng, story.state, story.scenario
        subject, core = rng.choice(data.INTERNAL)
        manager, experts = self._desk(story)
        other_managers = [m for _t, m, _e in story.agency["desks"] if m != manager]
        targets = other_managers or [story.agency["head"]]
        to = rng.choice(targets)
        cc = []
        if scenario in ("int_delivered", "int_read", "int_done") and story.agency["chief"] and rng.random() < 0.4:
            cc = [story.agency["chief"]] if story.agency["chief"] != to else []
        st.update(
            kind=Kind.INTERNAL, subject=self.fill(subject, story), body=self.body(core, story, incoming=False),
            to=[self.positions[to].id], cc=[self.positions[c].id for c in cc], to_key=to,
            author=rng.choice(experts), signer=manager, urgency=self.urgency(),
            classification=Classification.UNCLASSIFIED,
        )
        path = {"int_delivered": "registered", "int_read": "registered", "int_done": "registered",
                "int_closed": "registered"}.get(scenario, scenario.removeprefix("int_"))
        actions = [self._draft, *self._signing_path(path)]
        if scenario in ("int_read", "int_done", "int_closed"):
            actions.append(lambda s, at: self._read_internal(s, at))
        if scenario == "int_done":
            actions.append(lambda s, at: self._act_internal(s, at, close=False))
        if scenario == "int_closed":
            actions.append(lambda s, at: self._act_internal(s, at, close=True))
        self.schedule(story, actions)

    def _signing_path(self, target: str) -> list:
        order = {
            "draft": [], "returned": [self._submit, self._return],
            "awaiting": [self._submit], "approved": [self._submit, self._approve],
            "registered": [self._submit, self._approve, self._register_out],
            "dispatched": [self._submit, self._approve, self._register_out, self._dispatch],
            "archived": [self._submit, self._approve, self._register_out, self._dispatch, self._archive_out],
            "void": [self._submit, self._approve, self._register_out, self._void_out],
        }[target]
        if target in ("registered", "dispatched", "archived") and self.rng.random() < 0.2:
            order = [*order, self._print_out]
        return order

    # ------------------------------------------------------------ actions (each calls one service)

    def _register(self, story: Story, at: dt.datetime, info: str | None) -> None:
        st = story.state
        user, seat = self._clerk(story)
        first = st["chain"][0]
        refer_to = [ReferralSpec(self.positions[first].id, Action.ACTION, self.rng.choice(data.NOTES_CLERK))]
        if info and info not in st["chain"]:
            refer_to.append(ReferralSpec(self.positions[info].id, Action.INFORMATION, self.rng.choice(data.NOTES_INFO)))
        uploads = []
        if st["scan"]:
            uploads.append(Upload(
                name=f"scan-{story.index}.pdf", is_scan=True,
                content=scan_pdf([f"Scanned paper letter {st['sender_number'] or story.index}",
                                  f"Demo letter {story.index}, received {at:%Y-%m-%d}"]),
            ))
        st["letter"] = services.register_incoming(
            user=user, secretariat=self.secretariats[story.agency["key"]], subject=st["subject"],
            sender_name=st["sender"], channel=st["channel"], sender_number=st["sender_number"],
            sender_date=(at - dt.timedelta(days=self.rng.randint(1, 6))).astimezone(TEHRAN).date(),
            body=st["body"], urgency=st["urgency"], classification=st["classification"],
            uploads=uploads, refer_to=refer_to, seat=seat,
            paper_location="بایگانی دبیرخانه، قفسه " + to_persian_digits(self.rng.randint(1, 40))
            if st["channel"] in (Channel.POST, Channel.IN_PERSON) else "",
        )

    def _open_referral(self, story: Story, position_key: str) -> Referral:
        return Referral.objects.filter(
            letter=story.state["letter"], to_position=self.positions[position_key], status__in=["unread", "read"]
        ).latest("id")

    def _read(self, story: Story, at, level: int) -> None:
        key = story.state["chain"][level]
        user, seat = self.seat(key, at)
        services.mark_read(user=user, seat=seat, referral=self._open_referral(story, key))

    def _forward(self, story: Story, at, level: int) -> None:
        chain = story.state["chain"]
        user, seat = self.seat(chain[level], at)
        notes = data.NOTES_HEAD if chain[level] == story.agency["head"] else data.NOTES_MANAGER
        services.refer(user=user, seat=seat, letter=story.state["letter"], targets=[
            ReferralSpec(self.positions[chain[level + 1]].id, Action.ACTION, self.rng.choice(notes))
        ])

    def _complete(self, story: Story, at, level: int) -> None:
        key = story.state["chain"][level]
        user, seat = self.seat(key, at)
        services.complete(user=user, seat=seat, referral=self._open_referral(story, key),
                          note=self.rng.choice(data.RESULT_NOTES))

    def _close(self, story: Story, at, level: int, reply: bool = False) -> None:
        key = story.state["chain"][level]
        user, seat = self.seat(key, at)
        if reply:
            note = f"پاسخ با نامه شماره {story.state['reply'].number} ارسال شد؛ مختومه گردد."
        else:
            note = self.rng.choice(data.CLOSE_NOTES)
        story.state["letter"] = services.close_letter(user=user, seat=seat, letter=story.state["letter"], note=note)

    def _archive(self, story: Story, at, key: str, letter: Letter) -> None:
        user, seat = self.seat(key, at)
        services.archive_letter(user=user, seat=seat, letter=letter)

    def _file(self, story: Story, at, key: str, letter: Letter) -> None:
        folder = self.folders.get((story.agency["key"], story.topic))
        if folder is not None:
            user, seat = self.seat(key, at)
            services.file_letter(user=user, seat=seat, letter=letter, folder=folder)

    def _void(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        services.void_letter(user=user, letter=story.state["letter"], reason=self.rng.choice(data.VOID_REASONS))

    def _print(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        services.record_print(user=user, letter=story.state["letter"],
                              kind=self.rng.choice([PrintRecord.Kind.LETTER, PrintRecord.Kind.REFERRAL_SHEET]))

    def _draft_reply(self, story: Story, at) -> None:
        st = story.state
        expert = st["chain"][-1]
        user, seat = self.seat(expert, at)
        incoming = st["letter"]
        manager, _experts = self._desk(story)
        st.update(author=expert, signer=manager)
        core = (
            f"بازگشت به نامه شماره {to_persian_digits(incoming.sender_number) or 'بدون شماره'} در خصوص «{incoming.subject}»، "
            "موضوع در این دستگاه بررسی شد و نتیجه به شرح زیر اعلام می‌گردد: "
            + self.rng.choice(data.RESULT_NOTES)
        )
        st["reply"] = services.create_draft(
            user=user, seat=seat, kind=Kind.OUTGOING, subject=f"پاسخ: {incoming.subject}"[:500],
            body=self.body(core, story, incoming=False), to=[incoming.sender_name],
            signer_position_id=self.positions[manager].id, urgency=incoming.urgency,
            classification=incoming.classification, links=[(incoming.id, "replies")],
        )
        st["draft"] = st["reply"]

    def _draft(self, story: Story, at) -> None:
        st = story.state
        user, seat = self.seat(st["author"], at)
        st["draft"] = services.create_draft(
            user=user, seat=seat, kind=st["kind"], subject=st["subject"], body=st["body"], to=st["to"],
            cc=st["cc"], signer_position_id=self.positions[st["signer"]].id, urgency=st["urgency"],
            classification=st["classification"],
        )

    def _submit(self, story: Story, at) -> None:
        st = story.state
        user, seat = self.seat(st["author"], at)
        services.submit_for_signature(user=user, seat=seat, letter=st["draft"],
                                      note=self.rng.choice(["جهت امضا", "جهت ملاحظه و امضا", ""]))

    def _approve(self, story: Story, at) -> None:
        st = story.state
        user, seat = self.seat(st["signer"], at)
        st["draft"] = services.approve(user=user, seat=seat, letter=st["draft"])

    def _return(self, story: Story, at) -> None:
        st = story.state
        user, seat = self.seat(st["signer"], at)
        services.return_to_author(user=user, seat=seat, letter=st["draft"], note=self.rng.choice(data.RETURN_NOTES))

    def _register_out(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        story.state["draft"] = services.register_letter(user=user, letter=story.state["draft"])

    def _dispatch(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        if story.state.get("network"):
            story.state["draft"] = services.dispatch(user=user, letter=story.state["draft"], channel=Channel.NETWORK)
            exchange_demo.run_outbox()  # the worker carries it at once: delivered, with its receipt
            return
        # By post: e-mail and fax now go out through a secretariat's mailbox to the address book's
        # addresses, which only the governorate has (demo/channels.py, loaded later). The draw stays, so
        # the stories after this one are the same; channels.load dates these letters' post lines back.
        self.rng.choice(range(4))
        story.state["draft"] = services.dispatch(user=user, letter=story.state["draft"], channel=Channel.POST)

    # ------------------------------------------------------------ the receiving end of the exchange

    def _arrival(self, story: Story) -> tuple[Arrival, dict]:
        """The arrival of the story's letter at its first addressee."""
        letter = story.state["draft"]
        spec = next(a for a in data.AGENCIES if a["name"] == story.state["to"][0])
        return Arrival.objects.get(agency=self.agency_rows[spec["key"]], sender_letter=letter.uid), spec

    def _accept_arrival(self, story: Story, at) -> None:
        arrival, spec = self._arrival(story)
        user, seat = self._clerk_of(spec)
        topic, manager, experts = self.rng.choice(spec["desks"])
        letter = exchange.accept_arrival(
            user=user, arrival=arrival, secretariat=self.secretariats[spec["key"]], seat=seat,
            refer_to=[ReferralSpec(self.positions[manager].id, Action.ACTION, self.rng.choice(data.NOTES_CLERK))],
        )
        story.state["there"] = (letter, spec, topic, manager, experts)
        exchange_demo.run_outbox()  # the registration receipt goes back to the sender

    def _return_arrival(self, story: Story, at) -> None:
        arrival, spec = self._arrival(story)
        user, _seat = self._clerk_of(spec)
        exchange.return_arrival(user=user, arrival=arrival, reason=self.rng.choice(["not_ours", "wrong_addressee"]))
        exchange_demo.run_outbox()

    def _reply_draft(self, story: Story, at) -> None:
        """The receiving agency answers the letter it registered (عطف); the reply goes back electronically."""
        incoming, spec, topic, manager, experts = story.state["there"]
        expert = self.rng.choice(experts)
        user, seat = self.seat(manager, at)
        services.refer(user=user, seat=seat, letter=incoming, targets=[
            ReferralSpec(self.positions[expert].id, Action.ACTION, "جهت تهیه پاسخ")])
        back = Story(story.index, "ex_reply_back", spec, topic, at)
        back.state.update(author=expert, signer=manager, to=[story.agency["name"]], network=True)
        user, seat = self.seat(expert, at)
        core = (f"بازگشت به نامه شماره {to_persian_digits(incoming.sender_number)} در خصوص «{incoming.subject}»، "
                "موضوع بررسی شد و نتیجه به شرح زیر اعلام می‌گردد: " + self.rng.choice(data.RESULT_NOTES))
        back.state["draft"] = services.create_draft(
            user=user, seat=seat, kind=Kind.OUTGOING, subject=f"پاسخ: {incoming.subject}"[:500],
            body=self.body(core, back, incoming=False), to=back.state["to"],
            signer_position_id=self.positions[manager].id, urgency=incoming.urgency,
            classification=incoming.classification, links=[(incoming.id, "replies")],
        )
        story.state["back"] = back

    def _archive_out(self, story: Story, at) -> None:
        st = story.state
        self._archive(story, at, st["author"], st["draft"])
        self._file(story, at, st["author"], st["draft"])

    def _void_out(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        services.void_letter(user=user, letter=story.state["draft"], reason=self.rng.choice(data.VOID_REASONS))

    def _print_out(self, story: Story, at) -> None:
        user, _seat = self._clerk(story)
        services.record_print(user=user, letter=story.state["draft"])

    def _read_internal(self, story: Story, at) -> None:
        st = story.state
        user, seat = self.seat(st["to_key"], at)
        referral = Referral.objects.get(letter=st["draft"], to_position=self.positions[st["to_key"]])
        services.mark_read(user=user, seat=seat, referral=referral)

    def _act_internal(self, story: Story, at, *, close: bool) -> None:
        st = story.state
        user, seat = self.seat(st["to_key"], at)
        referral = Referral.objects.get(letter=st["draft"], to_position=self.positions[st["to_key"]])
        if close:
            services.close_letter(user=user, seat=seat, letter=st["draft"], note=self.rng.choice(data.CLOSE_NOTES))
        else:
            services.complete(user=user, seat=seat, referral=referral, note=self.rng.choice(data.RESULT_NOTES))

    # ------------------------------------------------------------ running and back-dating

    def run_steps(self) -> None:
        self.steps.sort(key=lambda step: step.order)
        starts: list[dt.datetime] = []
        planned: list[dt.datetime] = []
        for step in self.steps:
            starts.append(timezone.now())
            planned.append(step.at)
            step.run()
        self._backdate(starts, planned)

    def _backdate(self, starts: list[dt.datetime], planned: list[dt.datetime]) -> None:
        """Demo only: move each timestamp written during step i to step i's planned moment."""

        ends = [*starts[1:], timezone.now() + dt.timedelta(seconds=1)]

        def warp(value):
            # A linear map of step i's real span onto the first half of the gap to the next
            # planned moment: the order of everything written stays the order it was written in.
            if value is None:
                return None
            i = bisect.bisect_right(starts, value) - 1
            if i < 0:
                return value
            following = planned[i + 1] if i + 1 < len(planned) else planned[i] + dt.timedelta(seconds=2)
            room = (following - planned[i]) / 2
            span = ends[i] - starts[i]
            fraction = min((value - starts[i]) / span, 1.0) if span else 0.0
            return planned[i] + room * fraction

        letter_fields = ["created_at", "registered_at", "received_at", "approved_at", "dispatched_at",
                         "closed_at", "archived_at", "voided_at"]
        letters = list(Letter.objects.all())
        for letter in letters:
            values = []
            for name in letter_fields:
                setattr(letter, name, warp(getattr(letter, name)))
                if getattr(letter, name):
                    values.append(getattr(letter, name))
            letter.updated_at = max(values)
        Letter.objects.bulk_update(letters, [*letter_fields, "updated_at"], batch_size=200)

        # Deadlines are counted again from the back-dated referral day, on the working-day calendar.
        deadlines: dict[tuple, dt.date] = {}
        agencies = {a.id: a for a in Agency.objects.all()}
        referrals = list(Referral.objects.select_related("letter"))
        for referral in referrals:
            referral.created_at = warp(referral.created_at)
            referral.read_at = warp(referral.read_at)
            referral.acted_at = warp(referral.acted_at)
            if referral.deadline is not None:
                days = agencies[referral.letter.agency_id].default_deadline_days(referral.urgency)
                day = referral.created_at.astimezone(TEHRAN).date()
                if (day, days) not in deadlines:
                    deadlines[(day, days)] = add_working_days(day, days)
                referral.deadline = deadlines[(day, days)]
        Referral.objects.bulk_update(referrals, ["created_at", "read_at", "acted_at", "deadline"], batch_size=200)

        for model, name in ((Filing, "filed_at"), (PrintRecord, "at"), (Attachment, "uploaded_at")):
            rows = list(model.objects.all())
            for row in rows:
                setattr(row, name, warp(getattr(row, name)))
            model.objects.bulk_update(rows, [name], batch_size=200)

        # The exchange: letters travelled when they were dispatched, and were decided on when planned.
        # The message log is append-only (a database trigger): it keeps the real moments, like the audit log.
        exchange_fields = ((Transfer, ["created_at", "sent_at", "delivered_at"]),
                           (Arrival, ["received_at", "decided_at"]), (Delivery, ["outcome_at"]))
        for model, names in exchange_fields:
            rows = list(model.objects.all())
            for row in rows:
                moved = row.created_at if model is Transfer else None
                for name in names:
                    setattr(row, name, warp(getattr(row, name)))
                if moved is not None:  # a transfer's clocks move with it
                    shift = row.created_at - moved
                    row.next_attempt_at, row.expires_at = row.next_attempt_at + shift, row.expires_at + shift
            extra = ["next_attempt_at", "expires_at"] if model is Transfer else []
            model.objects.bulk_update(rows, [*names, *extra], batch_size=200)

    def build(self) -> dict:
        with transaction.atomic():
            self.build_orgs()
            self.log("ساختار سازمانی ساخته شد.")
            for story in self.plan():
                self.build_story(story)
            self.run_steps()
        statuses = Counter(Letter.objects.values_list("status", flat=True))
        return {"letters": sum(statuses.values()), "statuses": dict(statuses), "steps": len(self.steps)}


def _bind(action, story: Story, moment: dt.datetime):
    return lambda: action(story, moment)


def load(*, letters: int = 300, seed: int = 1405, log=None) -> dict | None:
    """Load the demo into an empty database; returns a summary, or None if it is already there."""
    if is_loaded():
        return None
    summary = DemoBuilder(letters=letters, seed=seed, log=log).build()
    from . import desk  # the service desk's catalogue, citizen and requests, after the letters

    summary["desk"] = desk.load(seed=seed, log=log)
    summary["exchange"] = finish_exchange()
    from . import counters  # the counter offices, after the desk whose services they offer

    summary["counters"] = counters.load(seed=seed, log=log)
    from . import channels  # the governorate's mailbox, intake queue, address book, post list and scans

    summary["channels"] = channels.load(log=log)
    from . import daily  # ready margin notes, letter templates and notice preferences

    summary["daily"] = daily.load(log=log)
    from . import stats  # a year of history over the province's agencies and the supervisors, last

    summary["stats"] = stats.load(seed=seed, scale=letters / 300, log=log)
    return summary


def finish_exchange() -> dict:
    """After the desk: staff inquiries and the desk's own (answered through the outbox), and the
    letters to the unreachable server failed once their retries ran out."""
    users = {u.username: u for u in User.objects.filter(username__in=["dabir", "dabir.farmandari", "dabir.shahrdari"])}
    agencies = {spec["key"]: Agency.objects.get(code=spec["code"]) for spec in data.AGENCIES}
    with transaction.atomic():
        exchange_demo.inquiries(users, agencies)
        exchange_demo.run_outbox()
        failed = exchange_demo.exhaust()
    return {"deliveries": Delivery.objects.count(), "arrivals": Arrival.objects.count(),
            "inquiries": Inquiry.objects.filter(direction="out").count(), "failed": failed}


def accounts() -> list[dict]:
    """The demo accounts with their positions now and their role, for the sign-in table."""
    from dabir.orgs.selectors import seats_of

    from . import desk

    rows = []
    for username in ["admin", *data.PEOPLE, *desk.PEOPLE]:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        seats = seats_of(user)
        roles = []
        if user.is_superuser:
            roles.append("superuser (/admin/)")
        if user.secretariats.exists():
            roles.append("clerk")
        if any(seat.as_acting for seat in seats):
            roles.append("acting holder")
        if any(seat.position.is_manager and not seat.as_acting for seat in seats) and "clerk" not in roles:
            roles.append("manager")
        if Agency.objects.filter(admins=user).exists():
            roles.append("agency admin")
        if not roles:
            roles.append("expert")
        positions = "، ".join(
            seat.position.title + (" (جانشین)" if seat.as_acting else "") for seat in seats
        )
        agency = seats[0].position.unit.agency.name if seats else ""
        rows.append({
            "username": username, "password": data.DEMO_PASSWORD, "name": user.get_full_name(),
            "positions": positions or "—", "agency": agency, "role": " + ".join(roles),
        })
    from . import counters, stats

    return rows + counters.accounts() + desk.accounts() + stats.accounts()
