"""Test data builders: a small agency with units, positions, holders and a secretariat."""

import itertools
from dataclasses import dataclass, field

from dabir.accounts.models import User
from dabir.orgs.models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit
from dabir.orgs.selectors import Seat

_seq = itertools.count(1)


def make_user(username=None, **extra) -> User:
    n = next(_seq)
    username = username or f"user{n}"
    user = User.objects.create_user(username=username, password="demo-pass-1234", **extra)
    return user


def make_position(unit: Unit, title: str, *, holder: User | None = None, can_sign=False, is_manager=False):
    n = next(_seq)
    pos = Position.objects.create(unit=unit, title=title, code=f"P{n}", can_sign=can_sign, is_manager=is_manager)
    if holder:
        Assignment.objects.create(user=holder, position=pos, role=Assignment.Role.HOLDER)
    return pos


@dataclass
class World:
    agency: Agency
    unit: Unit
    secretariat: Secretariat
    incoming_series: NumberSeries
    outgoing_series: NumberSeries
    internal_series: NumberSeries
    clerk: User
    clerk_pos: Position
    manager: User
    manager_pos: Position
    expert: User
    expert_pos: Position
    other: User
    other_pos: Position
    extra: dict = field(default_factory=dict)

    def seat(self, position, acting=False) -> Seat:
        return Seat(position, acting)


def make_world(name="استانداری آزمون") -> World:
    n = next(_seq)
    agency = Agency.objects.create(name=f"{name} {n}", code=f"AG{n}", province="خوزستان")
    unit = Unit.objects.create(agency=agency, name="دفتر مدیرکل")
    unit2 = Unit.objects.create(agency=agency, name="اداره فناوری اطلاعات")
    secretariat = Secretariat.objects.create(agency=agency, name="دبیرخانه مرکزی", code="DM")
    series_in = NumberSeries.objects.create(secretariat=secretariat, name="وارده", code="و", kinds=["incoming"])
    series_out = NumberSeries.objects.create(secretariat=secretariat, name="صادره", code="ص", kinds=["outgoing"])
    series_int = NumberSeries.objects.create(secretariat=secretariat, name="داخلی", code="د", kinds=["internal"])
    clerk = make_user(first_name="زهرا", last_name="دبیری")
    secretariat.clerks.add(clerk)
    manager = make_user(first_name="علی", last_name="مدیری")
    expert = make_user(first_name="مریم", last_name="کارشناس")
    other = make_user(first_name="رضا", last_name="بیرونی")
    return World(
        agency=agency, unit=unit, secretariat=secretariat,
        incoming_series=series_in, outgoing_series=series_out, internal_series=series_int,
        clerk=clerk, clerk_pos=make_position(unit, "کارمند دبیرخانه", holder=clerk),
        manager=manager, manager_pos=make_position(unit, "مدیرکل", holder=manager, can_sign=True, is_manager=True),
        expert=expert, expert_pos=make_position(unit2, "کارشناس فناوری", holder=expert),
        other=other, other_pos=make_position(unit2, "کارشناس مالی", holder=other),
    )


# ---------------------------------------------------------------- letters and files

# Uploads are checked by parsing them whole, so the files tests upload are whole files too.


def make_pdf(pages: int = 1, title: str = "") -> bytes:
    """A whole, valid PDF of blank A4 pages (a title makes its bytes differ from another's)."""
    import io

    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if title:
        writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def make_jpeg(width: int = 4, height: int = 4) -> bytes:
    """A whole, valid JPEG."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


PDF_BYTES = make_pdf()


def make_png(width: int = 4, height: int = 2) -> bytes:
    """A whole, valid PNG (chunks with their CRCs): signature images are checked as whole files."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + b"\x00\x00\xff" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG_BYTES = make_png()
JPEG_BYTES = make_jpeg()
EXE_BYTES = b"MZ\x90\x00" + b"\x00" * 64
ZIP_BYTES = b"PK\x03\x04" + b"\x00" * 64


def register_incoming(world: World, **overrides):
    """A letter from outside registered by the world's clerk (at their own seat)."""
    from dabir.letters import services

    kwargs = dict(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست بودجه", sender_name="شهرداری اهواز",
        channel="post", seat=world.seat(world.clerk_pos),
    )
    kwargs.update(overrides)
    return services.register_incoming(**kwargs)


def make_draft(world: World, *, kind="internal", to=None, cc=(), author=None, author_pos=None, **overrides):
    """A draft written by the expert (by default), to be signed by the manager."""
    from dabir.letters import services

    author = author or world.expert
    author_pos = author_pos or world.expert_pos
    kwargs = dict(
        user=author, seat=world.seat(author_pos), kind=kind, subject="گزارش پیشرفت طرح",
        body="<p>متن نامه</p>", to=list(to) if to is not None else [world.other_pos.id], cc=list(cc),
        signer_position_id=world.manager_pos.id,
    )
    kwargs.update(overrides)
    return services.create_draft(**kwargs)


def make_signed(world: World, **draft_kwargs):
    """A draft submitted for signature and approved by the manager (status approved)."""
    from dabir.letters import services

    letter = make_draft(world, **draft_kwargs)
    author = draft_kwargs.get("author") or world.expert
    author_pos = draft_kwargs.get("author_pos") or world.expert_pos
    services.submit_for_signature(user=author, seat=world.seat(author_pos), letter=letter)
    services.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    letter.refresh_from_db()
    return letter


def make_registered(world: World, **draft_kwargs):
    """A signed letter numbered by the world's clerk (status registered)."""
    from dabir.letters import services

    letter = make_signed(world, **draft_kwargs)
    services.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    return letter
