"""Every supervision figure computed by hand over a small known data set, and compared with what
stats.selectors gives from the pre-aggregated tables (docs/supervision.md defines each one).

The data set is built through the real services (letters, signing, exchange, desk, counters) at fixed
Tehran times (freezegun) over two Jalali months, Mehr and Aban 1405 (the third quarter), in three
agencies of Khuzestan:

A  incoming by post, fax, in person, e-mail and network (one of them from agency B by name); outgoing
   signed on paper by a manager without a certificate (one to B by post, one never sent) and one signed
   digitally and sent to B through the exchange; an internal letter; prints by two users; referrals read
   and acted at known times, deadlines kept and missed; three managers: one signs and refers in the
   system, one signs on paper only, one never acts.
B  the letter from A arrives by the exchange; a service desk whose requests finish on time and late,
   are rated and complained about; its service is outsourced to counter offices.
C  one letter by fax, not connected to the exchange.

Referral deadlines given by the letters app itself (the signing referrals, an internal letter's) are
read back from their rows; every other number below is written out by hand.
"""

import datetime as dt
import math

import jdatetime
import pytest

from dabir.core.jalali import TEHRAN
from dabir.counters import services as counters
from dabir.desk import services as desk
from dabir.exchange import services as exchange
from dabir.exchange.models import Arrival
from dabir.letters import services as letters
from dabir.letters.models import Referral
from dabir.letters.services import ReferralSpec
from dabir.orgs.services import make_agency_admin
from dabir.signing import services as signing
from dabir.stats import aggregate
from dabir.stats import figures as F
from dabir.stats.models import IndexWeights
from dabir.stats.periods import Period
from dabir.stats.selectors import figures_for, ranking
from tests.desk.test_services import make_citizen, setup_desk, submit
from tests.exchange.conftest import drain
from tests.factories import (
    make_draft,
    make_position,
    make_registered,
    make_user,
    make_world,
    register_incoming,
)
from tests.stats.clock import freeze_time

pytestmark = pytest.mark.django_db

MEHR, ABAN = 7, 8
M1, M2 = Period("month", 1405, MEHR), Period("month", 1405, ABAN)
Q3, YEAR = Period("quarter", 1405, 3), Period("year", 1405)
# The upper edges of the referral time bins in minutes, as docs/supervision.md lists them.
EDGES = [15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 7200, 10080, 20160, 43200, math.inf]
CHECKED: set[str] = set()


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A Tehran time in 1405."""
    return dt.datetime.combine(jdatetime.date(1405, month, day).togregorian(), dt.time(hour, minute), TEHRAN)


def day(month: int, d: int) -> dt.date:
    return jdatetime.date(1405, month, d).togregorian()


def quantile_hours(durations_min: list[float], q: float):
    """By hand: sort the durations, take the ⌈q·n⌉-th, answer its bin's upper edge in hours."""
    if not durations_min:
        return None
    ordered = sorted(durations_min)
    value = ordered[max(1, math.ceil(q * len(ordered))) - 1]
    edge = next(e for e in EDGES if value <= e)
    return edge / 60


def lived(period: Period) -> int:
    """Days of the period already lived (today's Tehran date, as the dashboard counts them)."""
    today = dt.datetime.now(TEHRAN).date()
    return max(0, (min(period.end, today) - period.start).days + 1)


def signed_on_paper(world, signer, signer_pos, **draft):
    """A draft by the expert signed by a manager whose position has no certificate (a recorded approval)."""
    letter = make_draft(world, signer_position_id=signer_pos.id, **draft)
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    letters.approve(user=signer, seat=world.seat(signer_pos), letter=letter)
    letters.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    return letter


@pytest.fixture
def data(db):
    d = {}
    with freeze_time(at(MEHR, 1, 8)):
        a = make_world("استانداری آزمون")
        b = make_world("شهرداری آزمون")
        c = make_world("اداره آزمون")
        m2, m3 = make_user(), make_user()
        m2_pos = make_position(a.unit, "معاون", holder=m2, can_sign=True, is_manager=True)
        make_position(a.unit, "معاون دوم", holder=m3, is_manager=True)  # never signs nor refers
        service = setup_desk(b)
        citizen = make_citizen()
        boss = make_user()
        make_agency_admin(actor=None, user=boss, agency=b.agency)
        counters.declare_service(user=boss, service=service, outsourceable=True, offered=True, all_offices=True)
    d.update(a=a, b=b, c=c)

    # ---- A, Mehr 1: three outgoing letters signed on paper by the deputy (no authority yet).
    with freeze_time(at(MEHR, 1, 9)):
        water = "شرکت آب و فاضلاب"
        l1 = signed_on_paper(a, m2, m2_pos, kind="outgoing", to=[water])
        l2 = signed_on_paper(a, m2, m2_pos, kind="outgoing", to=[b.agency.name])
        signed_on_paper(a, m2, m2_pos, kind="outgoing", to=[water])  # l3: registered, never sent
    with freeze_time(at(MEHR, 2, 10)):
        letters.dispatch(user=a.clerk, letter=l1, channel="post")
        letters.dispatch(user=a.clerk, letter=l2, channel="post")
    with freeze_time(at(MEHR, 2, 11)):
        letters.record_print(user=a.expert, letter=l1, copies=2, pages=3)
    # Mehr 2: both agencies join the exchange; their managers get certificates (they sign digitally now).
    with freeze_time(at(MEHR, 2, 12)):
        exchange.join_agency(agency=a.agency)
        exchange.join_agency(agency=b.agency)
        signing.issue_certificate(position=a.manager_pos)
        signing.issue_certificate(position=b.manager_pos)
    # Mehr 3: A's manager signs l4 digitally; it goes to B by the exchange.
    with freeze_time(at(MEHR, 3, 10)):
        l4 = make_registered(a, kind="outgoing", to=[b.agency.name])
        letters.dispatch(user=a.clerk, letter=l4, channel="network")
        drain()
    # Mehr 4: B registers it, refers it to its manager (deadline Mehr 6), who reads it at 16:00 and
    # never acts; B's clerk prints it.
    with freeze_time(at(MEHR, 4, 10)):
        exchange.accept_arrival(user=b.clerk, arrival=Arrival.objects.get(agency=b.agency), secretariat=b.secretariat,
                                refer_to=[ReferralSpec(b.manager_pos.id, deadline=day(MEHR, 6))],
                                seat=b.seat(b.clerk_pos))
    rb1 = Referral.objects.get(letter__agency=b.agency, to_position=b.manager_pos)
    with freeze_time(at(MEHR, 4, 16)):
        letters.mark_read(user=b.manager, seat=b.seat(b.manager_pos), referral=rb1)
        letters.record_print(user=b.clerk, letter=rb1.letter, copies=1, pages=1)

    # ---- A, incoming in Mehr.
    with freeze_time(at(MEHR, 5, 9)):
        i1 = register_incoming(a, channel="post", refer_to=[ReferralSpec(a.manager_pos.id, deadline=day(MEHR, 10))])
    with freeze_time(at(MEHR, 5, 10)):
        register_incoming(a, channel="fax")
    r1 = Referral.objects.get(letter=i1)
    with freeze_time(at(MEHR, 5, 11)):
        letters.mark_read(user=a.manager, seat=a.seat(a.manager_pos), referral=r1)
    with freeze_time(at(MEHR, 5, 11, 30)):
        letters.record_print(user=a.clerk, letter=i1, copies=1, pages=1)
    with freeze_time(at(MEHR, 6, 9)):
        (r2,) = letters.refer(user=a.manager, seat=a.seat(a.manager_pos), letter=i1,
                              targets=[ReferralSpec(a.expert_pos.id, deadline=day(MEHR, 8))])
    with freeze_time(at(MEHR, 7, 10)):
        register_incoming(a, channel="in_person")
        register_incoming(a, channel="email")
        register_incoming(a, channel="network", sender_name=b.agency.name)
    with freeze_time(at(MEHR, 8, 10)):
        n1 = make_registered(a, kind="internal", to=[a.other_pos.id])
    with freeze_time(at(MEHR, 9, 9)):
        letters.mark_read(user=a.expert, seat=a.seat(a.expert_pos), referral=r2)
    with freeze_time(at(MEHR, 9, 10)):
        letters.complete(user=a.expert, seat=a.seat(a.expert_pos), referral=r2)

    # ---- B's service desk.
    with freeze_time(at(MEHR, 10, 10)):
        q1 = submit(service, citizen)
    with freeze_time(at(MEHR, 10, 11)):
        q2 = submit(service, citizen)
    with freeze_time(at(MEHR, 11, 10)):
        desk.decide_stage(user=b.expert, position_id=b.expert_pos.id, request=q1, outcome="no", public_note="ناقص")
    with freeze_time(at(MEHR, 12, 10)):
        desk.rate_request(user=citizen, request=q1, score=4)
        complaint = desk.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                        about="request", agency=b.agency, text="پاسخ نمی‌دهند", request=q1)
    with freeze_time(at(MEHR, 13, 10)):
        desk.answer_complaint(user=b.manager, position_id=b.manager_pos.id, complaint=complaint, answer="پیگیری شد")

    # ---- C: one letter by fax.
    with freeze_time(at(MEHR, 15, 10)):
        register_incoming(c, channel="fax")

    # ---- Aban.
    with freeze_time(at(ABAN, 3, 10)):
        register_incoming(a, channel="post", refer_to=[ReferralSpec(a.expert_pos.id, deadline=day(ABAN, 5))])
    with freeze_time(at(ABAN, 4, 10)):
        letters.record_print(user=a.expert, letter=i1, copies=3, pages=2)
    q2.refresh_from_db()
    assert q2.due < day(ABAN, 20)  # finished below, late
    with freeze_time(at(ABAN, 20, 10)):
        desk.decide_stage(user=b.expert, position_id=b.expert_pos.id, request=q2, outcome="no", public_note="ناقص")
    with freeze_time(at(ABAN, 21, 10)):
        desk.rate_request(user=citizen, request=q2, score=2)

    q1.refresh_from_db()
    assert q1.due >= day(MEHR, 11)  # finished on time
    d.update(l1=l1, l4=l4, n1=n1, r1=r1, r2=r2, q1=q1, q2=q2, complaint=complaint)
    aggregate.refresh()
    return d


def deadline_of(**lookup) -> dt.date:
    return Referral.objects.get(**lookup).deadline


def check(agency, period: Period, expected: dict) -> None:
    got = figures_for([agency.id], period)[agency.id]
    assert set(expected) == set(got), set(got) ^ set(expected)
    for key, value in expected.items():
        assert got[key] == value, (agency.name, period.key, key, got[key], value)
        CHECKED.add(key)


def share(part, whole):
    return round(100 * part / whole, 1) if whole else None


def test_every_figure_by_hand(data):
    a, b, c = data["a"], data["b"], data["c"]
    # The figures as defined: recomputed from the source tables (the refresh along the way is compared
    # with this in test_refreshed_as_the_changes_came).
    aggregate.rebuild(start=M1.start, end=M2.end)
    today = dt.datetime.now(TEHRAN).date()

    # ---- A's referrals, made by hand: (created, read, acted) in minutes from creation, deadline.
    # Five signing referrals («جهت امضا», expert → signer) read and acted the minute they were made:
    # l1, l2, l3 (Mehr 1), l4 (Mehr 3), n1 (Mehr 8). Their deadlines are the letters app's default.
    signing_refs = list(Referral.objects.filter(letter__agency=a.agency, action="signature").order_by("id"))
    assert len(signing_refs) == 5
    a_refs = [(r.created_at, 0, 0, r.deadline) for r in signing_refs]
    # r1: clerk → manager Mehr 5 09:00, read 11:00 (120 min), forwarded Mehr 6 09:00 (1440 min), due Mehr 10.
    a_refs.append((at(MEHR, 5, 9), 120, 1440, day(MEHR, 10)))
    # r2: manager → expert Mehr 6 09:00, read Mehr 9 09:00 (4320 min), done 10:00 (4380 min), due Mehr 8: late.
    a_refs.append((at(MEHR, 6, 9), 4320, 4380, day(MEHR, 8)))
    # n1's delivery: manager → other, Mehr 8 10:00, never read; its deadline is the default.
    a_refs.append((at(MEHR, 8, 10), None, None, deadline_of(letter=data["n1"], action="action")))
    # i6's: clerk → expert, Aban 3 10:00, never read, due Aban 5.
    a_refs.append((at(ABAN, 3, 10), None, None, day(ABAN, 5)))
    assert Referral.objects.filter(letter__agency=a.agency).count() == len(a_refs)

    def referral_figures(refs, period: Period) -> dict:
        made = [r for r in refs if period.start <= r[0].astimezone(TEHRAN).date() <= period.end]
        reads = [r[1] for r in made if r[1] is not None]
        acts = [r[2] for r in made if r[2] is not None]
        # Overdue: deadlines in the period and already past; late = not acted by the deadline day.
        due = [r for r in refs if r[3] and period.start <= r[3] <= period.end and r[3] < today]
        late = [r for r in due if r[2] is None or (r[0] + dt.timedelta(minutes=r[2])).astimezone(TEHRAN).date() > r[3]]
        return {"referrals": len(made), "read_median_hours": quantile_hours(reads, 0.5),
                "read_p90_hours": quantile_hours(reads, 0.9), "act_median_hours": quantile_hours(acts, 0.5),
                "act_p90_hours": quantile_hours(acts, 0.9), "overdue": len(late), "overdue_share": share(len(late), len(due))}

    # Mehr, written out: 5 signing reads at 0 min, r1 at 120, r2 at 4320 → 7 reads; the median is the 4th
    # (0 min → bin ≤15 → 0.25 h), the p90 the ⌈6.3⌉ = 7th (4320 → 72 h). Acts: 5 at 0, 1440, 4380 → median
    # 0.25 h, p90 the 7th (4380 → bin ≤7200 → 120 h).
    mehr_refs = referral_figures(a_refs, M1)
    assert (mehr_refs["referrals"], mehr_refs["read_median_hours"], mehr_refs["read_p90_hours"],
            mehr_refs["act_median_hours"], mehr_refs["act_p90_hours"]) == (8, 0.25, 72.0, 0.25, 120.0)

    # ---- A in Mehr.
    a_mehr = {
        "letters_in": 5,  # i1 post, i2 fax, i3 in person, i4 e-mail, i5 network
        "letters_out": 4,  # l1, l2, l3 (paper-signed), l4 (digital)
        "letters_internal": 1,  # n1
        "in_electronic_share": 40.0,  # (e-mail 1 + network 1) / 5
        "out_sent": 3,  # l1, l2 by post, l4 by network; l3 never sent
        "out_electronic_share": 33.3,  # network 1 / 3
        "inter_letters": 3,  # out: l2 (to B by name), l4 (by the exchange); in: i5 (from B by name)
        "inter_exchange_share": 33.3,  # l4 alone: 1 / 3
        "registered_per_day": round((5 + 4) / 30, 2),  # incoming + outgoing over Mehr's 30 days = 0.3
        "print_pages": 7,  # l1: 3 pages × 2 copies + i1: 1 × 1
        "print_copies": 3,  # 2 + 1
        "pages_per_letter": 0.7,  # 7 / (5 + 4 + 1)
        "copies_per_letter": 0.3,  # 3 / 10
        "pages_per_user": 3.5,  # 7 pages / 2 users (expert, clerk)
        "signed_digital_share": 25.0,  # l4 digital of 4 outgoing
        "managers_active_share": 33.3,  # the manager signed and referred; the deputy signed on paper; 1 / 3
        **mehr_refs,
        "desk_requests": 0, "desk_on_time_share": None, "satisfaction": None, "complaints": 0,
        "outsourced_share": None,  # A has no service at the desk
        "connected": True,
    }
    check(a.agency, M1, a_mehr)

    # ---- A in Aban: i6 by post (its referral unread, due Aban 5, late); i1 printed 2 pages × 3 copies.
    a_aban = {
        "letters_in": 1, "letters_out": 0, "letters_internal": 0, "in_electronic_share": 0.0,
        "out_sent": 0, "out_electronic_share": None, "inter_letters": 0, "inter_exchange_share": None,
        "registered_per_day": round(1 / 30, 2),  # 0.03
        "print_pages": 6, "print_copies": 3,
        "pages_per_letter": 6.0,  # 6 / 1
        "copies_per_letter": 3.0,
        "pages_per_user": 6.0,  # the expert alone
        "signed_digital_share": None, "managers_active_share": 0.0,  # nobody signed or referred: 0 / 3
        **referral_figures(a_refs, M2),
        "desk_requests": 0, "desk_on_time_share": None, "satisfaction": None, "complaints": 0,
        "outsourced_share": None, "connected": True,
    }
    assert a_aban["referrals"] == 1 and a_aban["read_median_hours"] is None and a_aban["overdue"] == 1
    check(a.agency, M2, a_aban)

    # ---- A over the quarter and the year (Azar and the rest hold nothing): the months' sums.
    for period in (Q3, YEAR):
        registered = 10 + 1
        check(a.agency, period, {
            "letters_in": 6, "letters_out": 4, "letters_internal": 1,
            "in_electronic_share": share(2, 6),  # 33.3
            "out_sent": 3, "out_electronic_share": 33.3, "inter_letters": 3, "inter_exchange_share": 33.3,
            "registered_per_day": round((6 + 4) / lived(period), 2),
            "print_pages": 13, "print_copies": 6,
            "pages_per_letter": round(13 / registered, 2),  # 1.18
            "copies_per_letter": round(6 / registered, 2),  # 0.55
            "pages_per_user": 6.5,  # 13 / 2 (the expert printed in both months: counted once)
            "signed_digital_share": 25.0, "managers_active_share": 33.3,
            **referral_figures(a_refs, period),
            "desk_requests": 0, "desk_on_time_share": None, "satisfaction": None, "complaints": 0,
            "outsourced_share": None, "connected": True,
        })

    # ---- B: rb1 (clerk → manager, Mehr 4 10:00, read 16:00 = 360 min, never acted, due Mehr 6: late);
    # the two desk requests' stage referrals (desk → expert): q1's made Mehr 10 10:00, closed with the
    # rejection Mehr 11 10:00 (1440 min); q2's made Mehr 10 11:00, closed Aban 20 10:00 (57,540 min, past
    # the last edge: more than 30 days); the complaint's (desk → manager) made Mehr 12 10:00, answered
    # Mehr 13 10:00 (1440 min). Stage and complaint deadlines are the desk's, read back.
    q1_ref = Referral.objects.get(letter=data["q1"].letter)
    q2_ref = Referral.objects.get(letter=data["q2"].letter)
    c_ref = Referral.objects.get(letter=data["complaint"].letter)
    b_refs = [
        (at(MEHR, 4, 10), 360, None, day(MEHR, 6)),
        (at(MEHR, 10, 10), 1440, 1440, q1_ref.deadline),
        (at(MEHR, 10, 11), 57540, 57540, q2_ref.deadline),
        (at(MEHR, 12, 10), 1440, 1440, c_ref.deadline),
    ]
    assert Referral.objects.filter(letter__agency=b.agency).count() == len(b_refs)
    b_mehr = {
        "letters_in": 4,  # the letter from A (exchange), q1 and q2 (desk, network), the complaint (network)
        "letters_out": 0, "letters_internal": 0,
        "in_electronic_share": 100.0,  # all four by network
        "out_sent": 0, "out_electronic_share": None,
        "inter_letters": 1, "inter_exchange_share": 100.0,  # the letter from A, by the exchange
        "registered_per_day": round(4 / 30, 2),  # 0.13
        "print_pages": 1, "print_copies": 1, "pages_per_letter": 0.25, "copies_per_letter": 0.25,
        "pages_per_user": 1.0,
        "signed_digital_share": None,
        "managers_active_share": 0.0,  # B's manager read and answered but neither signed nor referred
        **referral_figures(b_refs, M1),
        "desk_requests": 2,  # q1, q2 submitted Mehr 10
        "desk_on_time_share": 100.0,  # q1 finished Mehr 11, before its due date; q2 finishes in Aban
        "satisfaction": 4.0,  # q1 rated 4 on Mehr 12
        "complaints": 1,
        "outsourced_share": 100.0,  # its one service, outsourceable and offered
        "connected": True,
    }
    # By hand: Mehr's reads 360, 1440, 57540, 1440 → sorted 360, 1440, 1440, 57540: median the 2nd (1440 →
    # 24 h), p90 the 4th (past the last edge: infinite); acts 1440, 57540, 1440 → median 24 h, p90 infinite.
    assert (b_mehr["read_median_hours"], b_mehr["act_median_hours"]) == (24.0, 24.0)
    assert math.isinf(b_mehr["read_p90_hours"]) and math.isinf(b_mehr["act_p90_hours"])
    check(b.agency, M1, b_mehr)
    b_aban = {
        "letters_in": 0, "letters_out": 0, "letters_internal": 0, "in_electronic_share": None,
        "out_sent": 0, "out_electronic_share": None, "inter_letters": 0, "inter_exchange_share": None,
        "registered_per_day": 0.0, "print_pages": 0, "print_copies": 0, "pages_per_letter": None,
        "copies_per_letter": None, "pages_per_user": None, "signed_digital_share": None,
        "managers_active_share": 0.0, **referral_figures(b_refs, M2),
        "desk_requests": 0,
        "desk_on_time_share": 0.0,  # q2 finished Aban 20, after its due date: 0 of 1
        "satisfaction": 2.0,  # q2 rated 2
        "complaints": 0, "outsourced_share": 100.0, "connected": True,
    }
    check(b.agency, M2, b_aban)
    for period in (Q3, YEAR):
        check(b.agency, period, {
            **b_mehr, **referral_figures(b_refs, period),
            "registered_per_day": round(4 / lived(period), 2),
            "desk_on_time_share": 50.0,  # q1 on time, q2 late
            "satisfaction": 3.0,  # (4 + 2) / 2
        })

    # ---- C: one incoming letter by fax; not connected; a manager who never acted.
    c_mehr = {
        "letters_in": 1, "letters_out": 0, "letters_internal": 0, "in_electronic_share": 0.0, "out_sent": 0,
        "out_electronic_share": None, "inter_letters": 0, "inter_exchange_share": None,
        "registered_per_day": round(1 / 30, 2), "print_pages": 0, "print_copies": 0,
        "pages_per_letter": 0.0, "copies_per_letter": 0.0, "pages_per_user": None,
        "signed_digital_share": None, "managers_active_share": 0.0, "referrals": 0,
        "read_median_hours": None, "read_p90_hours": None, "act_median_hours": None, "act_p90_hours": None,
        "overdue": 0, "overdue_share": None, "desk_requests": 0, "desk_on_time_share": None,
        "satisfaction": None, "complaints": 0, "outsourced_share": None, "connected": False,
    }
    check(c.agency, M1, c_mehr)

    # ---- The paperless index by hand, default weights (20, 20, 15, 15, 10, 10, 10; print cap 2).
    w = {"incoming": 20, "outgoing": 20, "exchange": 15, "signature": 15, "printing": 10, "managers": 10,
         "connected": 10}
    assert IndexWeights().as_dict() == w and float(IndexWeights().print_cap) == 2.0
    # A in Mehr: incoming 0.4, outgoing 1/3, exchange 1/3, signature 0.25, printing 1 − 0.7/2 = 0.65,
    # managers 1/3, connected 1: Σ wᵢcᵢ = 8 + 6.667 + 5 + 3.75 + 6.5 + 3.333 + 10 = 43.25 of 100.
    a_index = (20 * 0.4 + 20 * (1 / 3) + 15 * (1 / 3) + 15 * 0.25 + 10 * 0.65 + 10 * (1 / 3) + 10 * 1) / 100 * 100
    assert round(a_index, 1) == 43.2
    index, lost = F.paperless_index(figures_for([a.agency.id], M1)[a.agency.id], w, 2)
    # The shares are rounded to 0.1 % before they are weighed: 33.3 % → 0.333.
    rounded = (20 * 0.4 + 20 * 0.333 + 15 * 0.333 + 15 * 0.25 + 10 * 0.65 + 10 * 0.333 + 10 * 1)
    assert index == round(rounded, 1) == 43.2
    assert lost == {"incoming": 12.0, "outgoing": 13.3, "exchange": 10.0, "signature": 11.2, "printing": 3.5,
                    "managers": 6.7, "connected": 0.0}
    # B in Mehr: incoming 1, exchange 1, managers 0, connected 1, printing 1 − 0.25/2 = 0.875; outgoing and
    # signature unmeasured (no outgoing letter): left out, the weights of the rest are 20+15+10+10+10 = 65.
    b_index = (20 * 1 + 15 * 1 + 10 * 0.875 + 10 * 0 + 10 * 1) / 65 * 100
    # C: incoming 0, printing 1, managers 0, connected 0 over 20+10+10+10 = 50.
    c_index = (20 * 0 + 10 * 1 + 10 * 0 + 10 * 0) / 50 * 100
    rows = {r.agency.id: r for r in ranking([a.agency, b.agency, c.agency], M1)}
    assert rows[b.agency.id].index == round(b_index, 1) == 82.7  # 53.75 / 65
    assert rows[a.agency.id].index == 43.2
    assert rows[c.agency.id].index == round(c_index, 1) == 20.0
    assert [rows[x.agency.id].rank for x in (b, a, c)] == [1, 2, 3]
    # Shahrivar held no letters: what could be measured then is the managers (0 of each agency's) and the
    # connection (A and B joined the exchange since, and connection is today's): A and B (10·0 + 10·1) / 20
    # = 50 share the first place, C (0 + 0) / 20 = 0 is third. So B kept its place, A lost one, C kept its.
    assert [(rows[x.agency.id].previous_rank, rows[x.agency.id].change) for x in (b, a, c)] == [
        (1, 0), (1, -1), (3, 0)]

    # Every figure of figures.FIGURES was compared above.
    assert CHECKED == {f.key for f in F.FIGURES}


def test_refreshed_as_the_changes_came(data):
    """The figures refreshed as the changes came equal a rebuild from scratch."""
    a, b = data["a"], data["b"]
    before = {p.key: figures_for([a.agency.id, b.agency.id], p) for p in (M1, M2, Q3)}
    aggregate.rebuild(start=M1.start, end=M2.end)
    after = {p.key: figures_for([a.agency.id, b.agency.id], p) for p in (M1, M2, Q3)}
    assert repr(after) == repr(before)
