"""Post and courier dispatches (channels.services.post): the dispatch list's lines written by a letter's
dispatch by post, the tracking number and cost typed from the post office's receipt, and the receipt
or return closing a line; refusals in Persian, each without an audit entry."""

import contextlib
import datetime as dt

import pytest
from django.utils import timezone

from dabir.channels import addressing
from dabir.channels.models import Correspondent, PostDispatch
from dabir.channels.names import AuditAction
from dabir.channels.services import post
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import today
from dabir.core.models import AuditEntry
from dabir.letters import services as letters
from dabir.letters.models import Status
from tests.factories import make_registered, make_world

pytestmark = pytest.mark.django_db

WATER = "شرکت آب و فاضلاب اهواز"
CITIZEN = "آقای حسن شهروندی"
TRACKING = "۱۲۳۴۵۶۷۸۹۰۱۲۳۴۵۶۷۸۹۰"


@contextlib.contextmanager
def audited(action: str, count: int = 1):
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    new = list(AuditEntry.objects.filter(id__gt=before).values_list("action", flat=True))
    assert new.count(action) == count, new


@contextlib.contextmanager
def refused(error=DomainError, field=None):
    before = AuditEntry.objects.count()
    with pytest.raises(error) as caught:
        yield caught
    assert any("\u0600" <= ch <= "\u06ff" for ch in caught.value.message), caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert AuditEntry.objects.count() == before


def book(world, name, address="اهواز، کیانپارس، خیابان ۱۵ شرقی، پلاک ۲۴", code="6155689451"):
    return Correspondent.objects.create(agency=world.agency, name=name, postal_address=address, postal_code=code,
                                        search_name=addressing.search_name(name))


def posted(world, to=(WATER,), cc=()):
    letter = make_registered(world, kind="outgoing", to=list(to), cc=list(cc))
    letters.dispatch(user=world.clerk, letter=letter, channel="post")
    letter.refresh_from_db()
    return letter


@pytest.fixture
def line(world):
    return posted(world).post_dispatches.get()


def test_a_letter_sent_by_post_gets_one_line_per_outside_recipient(world):
    # given the water company in the address book (typed in the letter with Arabic ي and ك)
    book(world, WATER)
    with audited(AuditAction.POST_DISPATCH):
        letter = posted(world, to=[WATER.replace("ی", "ي"), CITIZEN],
                        cc=[world.manager_pos.id, WATER.replace("ی", "ي")])
    assert letter.status == Status.DISPATCHED
    rows = list(letter.post_dispatches.order_by("id"))
    # then one line per outside party (the CC to the same company is the same envelope), none for a position
    assert [r.recipient_name for r in rows] == [WATER.replace("ی", "ي"), CITIZEN]
    water, citizen = rows
    assert (water.postal_code, water.postal_address.startswith("اهواز")) == ("6155689451", True)
    assert (citizen.postal_code, citizen.postal_address) == ("", "")
    assert {r.day for r in rows} == {today()}
    assert {r.method for r in rows} == {PostDispatch.Method.REGISTERED}
    assert {r.secretariat_id for r in rows} == {world.secretariat.pk}
    assert {r.state for r in rows} == {PostDispatch.State.DISPATCHED}


def test_a_letter_to_positions_only_still_gets_a_line(world):
    letter = posted(world, to=[world.manager_pos.id])
    (row,) = letter.post_dispatches.all()
    assert row.recipient_name == f"{world.manager_pos.title} {world.unit.name}"


def test_tracking_number_method_and_cost_in_persian_digits(world, line):
    with audited(AuditAction.POST_UPDATE):
        post.update_dispatch(user=world.clerk, dispatch=line, method="express",
                             tracking_number=f" {TRACKING[:10]} {TRACKING[10:]} ", cost="۱۲۰٬۰۰۰")
    line.refresh_from_db()
    assert (line.method, line.tracking_number, line.cost) == ("express", "12345678901234567890", 120000)
    # Arabic digits, a dash between groups, and the cost cleared
    post.update_dispatch(user=world.clerk, dispatch=line, method="courier", tracking_number="١٢٣٤٥-٦٧٨٩٠", cost="")
    line.refresh_from_db()
    assert (line.tracking_number, line.cost) == ("1234567890", None)
    entry = AuditEntry.objects.filter(action=AuditAction.POST_UPDATE).order_by("-id").first()
    assert entry.data["before"]["cost"] == 120000 and entry.data["after"]["method"] == "courier"


@pytest.mark.parametrize("tracking", ["12345", "1" * 25, "RR123456789IR", "۱۲۳۴۵۶۷۸۹x"])
def test_a_wrong_tracking_number_is_refused(world, line, tracking):
    with refused(DomainError, "tracking_number"):
        post.update_dispatch(user=world.clerk, dispatch=line, method="registered", tracking_number=tracking)
    line.refresh_from_db()
    assert line.tracking_number == ""


@pytest.mark.parametrize("cost", ["-5", "−۵۰۰", "۱۲ هزار", "1.5", str(10**13)])
def test_a_wrong_cost_is_refused(world, line, cost):
    with refused(DomainError, "cost"):
        post.update_dispatch(user=world.clerk, dispatch=line, method="registered", cost=cost)
    line.refresh_from_db()
    assert line.cost is None


def test_an_unknown_method_is_refused(world, line):
    with refused(DomainError, "method"):
        post.update_dispatch(user=world.clerk, dispatch=line, method="pigeon", tracking_number=TRACKING)


def test_delivered_once_and_never_again(world, line):
    with audited(AuditAction.POST_OUTCOME):
        post.record_outcome(user=world.clerk, dispatch=line, state="delivered", note="رسید برگشتی پست")
    line.refresh_from_db()
    assert line.state == PostDispatch.State.DELIVERED and line.outcome_at is not None
    with refused(Conflict):
        post.record_outcome(user=world.clerk, dispatch=line, state="returned", note="نشانی نادرست")
    line.refresh_from_db()
    assert line.state == PostDispatch.State.DELIVERED


def test_returned_needs_a_reason(world, line):
    with refused(DomainError, "note"):
        post.record_outcome(user=world.clerk, dispatch=line, state="returned", note="  ")
    post.record_outcome(user=world.clerk, dispatch=line, state="returned", note="گیرنده در نشانی شناخته نشد")
    line.refresh_from_db()
    assert (line.state, line.outcome_note) == ("returned", "گیرنده در نشانی شناخته نشد")


def test_outcome_dates_are_checked(world, line):
    with refused(DomainError, "when"):
        post.record_outcome(user=world.clerk, dispatch=line, state="delivered", when=timezone.now() + dt.timedelta(days=2))
    with refused(DomainError, "when"):
        post.record_outcome(user=world.clerk, dispatch=line, state="delivered", when=timezone.now() - dt.timedelta(days=3))
    with refused(DomainError, "state"):
        post.record_outcome(user=world.clerk, dispatch=line, state="dispatched")


def test_only_the_letters_secretariat_acts_on_its_lines(world, line):
    stranger = make_world("شهرداری دیگر")
    with refused(NotAllowed):
        post.update_dispatch(user=stranger.clerk, dispatch=line, method="registered", tracking_number=TRACKING)
    with refused(NotAllowed):
        post.record_outcome(user=stranger.clerk, dispatch=line, state="delivered")
    with refused(NotAllowed):  # the letter's own expert is no clerk
        post.record_outcome(user=world.expert, dispatch=line, state="delivered")


def test_a_refused_dispatch_writes_no_line(world):
    letter = make_registered(world, kind="outgoing", to=[WATER])
    with pytest.raises(DomainError):
        letters.dispatch(user=world.expert, letter=letter, channel="post")
    assert not PostDispatch.objects.filter(letter=letter).exists()
