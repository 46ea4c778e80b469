"""A small agency for a benchmark: a secretariat with series, a clerk holding a position.

Called inside a phase subprocess after django.setup(). Each call builds a fresh agency
with a unique code, so phases sharing one database never collide.
"""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, field

_n = itertools.count(1)


@dataclass
class BenchWorld:
    agency: object
    unit: object
    secretariat: object
    incoming: object
    outgoing: object
    internal: object
    clerk: object
    clerk_pos: object
    expert: object
    expert_pos: object
    extra: dict = field(default_factory=dict)


def make_world(label: str) -> BenchWorld:
    from django.contrib.auth.hashers import make_password

    from dabir.accounts.models import User
    from dabir.orgs.models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit

    tag = f"{label}{next(_n)}{secrets.token_hex(3)}"
    agency = Agency.objects.create(name=f"استانداری سنجش {tag}", code=f"B{tag}"[:32], province="خوزستان")
    unit = Unit.objects.create(agency=agency, name="دفتر مدیرکل")
    unit2 = Unit.objects.create(agency=agency, name="اداره فناوری اطلاعات")
    sec = Secretariat.objects.create(agency=agency, name="دبیرخانه مرکزی", code="DM")
    incoming = NumberSeries.objects.create(secretariat=sec, name="وارده", code="و", kinds=["incoming"])
    outgoing = NumberSeries.objects.create(secretariat=sec, name="صادره", code="ص", kinds=["outgoing"])
    internal = NumberSeries.objects.create(secretariat=sec, name="داخلی", code="د", kinds=["internal"])
    # One cheap hash shared by the bench users: nobody signs in with a password here.
    password = make_password(None)
    clerk = User.objects.create(username=f"clerk-{tag}", first_name="زهرا", last_name="دبیری", password=password)
    expert = User.objects.create(username=f"expert-{tag}", first_name="مریم", last_name="کارشناس", password=password)
    sec.clerks.add(clerk)
    clerk_pos = Position.objects.create(unit=unit, title="کارمند دبیرخانه", code=f"C{tag}"[:32])
    expert_pos = Position.objects.create(unit=unit2, title="کارشناس فناوری", code=f"E{tag}"[:32])
    Assignment.objects.create(user=clerk, position=clerk_pos, role=Assignment.Role.HOLDER)
    Assignment.objects.create(user=expert, position=expert_pos, role=Assignment.Role.HOLDER)
    return BenchWorld(
        agency=agency, unit=unit, secretariat=sec, incoming=incoming, outgoing=outgoing, internal=internal,
        clerk=clerk, clerk_pos=clerk_pos, expert=expert, expert_pos=expert_pos,
    )
