"""The supervision part of the demo: a year over the Khuzestan agencies whose ranking tells a story."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Min, Q

from dabir.accounts.models import User
from dabir.demo import stats_data as D
from dabir.exchange.models import Delivery
from dabir.letters.models import Access, Letter, Referral
from dabir.letters.selectors import visible_letters
from dabir.orgs.models import Agency, NumberCounter
from dabir.signing.models import Signature
from dabir.signing.verify import verify_version
from dabir.stats import aggregate, periods, policy, selectors
from dabir.stats.models import (
    ActionItem,
    AgencyDay,
    DurationBin,
    Evaluation,
    ManagerDay,
    Questionnaire,
    UserPrintDay,
)

pytestmark = pytest.mark.django_db

KHZ = D.PROVINCE
PAPERLESS = {"فرمانداری خرمشهر", "اداره کل امور مالیاتی استان خوزستان", "شرکت ملی مناطق نفت‌خیز جنوب",
             "فرمانداری آبادان"}


@pytest.fixture
def demo(db):
    # A fifth of the full history (--letters scales it), enough for every agency's habits to show.
    out = io.StringIO()
    call_command("demo", "--letters", "60", stdout=out)
    return out.getvalue()


def _by_name(name: str) -> Agency:
    return Agency.objects.get(name=name)


def test_a_year_over_fifteen_khuzestan_agencies_ranks_a_clear_leader_and_a_clear_last(demo):
    # at least fifteen Khuzestan agencies, each with figures in (nearly) every month of the year
    khz = Agency.objects.filter(province=KHZ)
    assert khz.count() >= 15
    busy = Q(letters_in__gt=0) | Q(letters_out__gt=0) | Q(letters_internal__gt=0)
    months = dict(AgencyDay.objects.filter(busy, agency__in=khz).values_list("agency")
                  .annotate(n=Count("month", distinct=True)).order_by())
    assert len(months) >= 15 and min(months.values()) >= 10, months
    for name in ("استانداری خوزستان", "فرمانداری اهواز", "فرمانداری خرمشهر", "فرمانداری آبادان",
                 "فرمانداری بندر ماهشهر", "شهرداری اهواز", "اداره کل امور مالیاتی استان خوزستان",
                 "دانشگاه علوم پزشکی جندی‌شاپور اهواز"):
        assert khz.filter(name=name).exists(), name

    # the province supervisor ranks the province: a paperless leader ahead, the courts clearly last
    ostan = User.objects.get(username="nazer.ostan")
    quarter = periods.current("quarter").previous()  # a whole quarter of history, whatever today is
    ranked = selectors.ranking(policy.ranking_scope(ostan), quarter)
    assert len(ranked) >= 15 and all(r.rank for r in ranked)
    assert ranked[0].agency.name in PAPERLESS and ranked[0].index > ranked[1].index
    assert ranked[-1].agency.name == "دادگستری کل استان خوزستان"
    assert ranked[-1].index < ranked[-2].index - 5
    # its figures say why: paper letters, pages printed per letter, no digital signature, not connected
    last = ranked[-1].figures
    assert last["connected"] is False and last["signed_digital_share"] == 0
    assert last["pages_per_letter"] > 3 and last["in_electronic_share"] < 40
    assert all(r.figures["connected"] for r in ranked[:-1])
    assert ranked[0].figures["in_electronic_share"] > 80 and ranked[0].figures["pages_per_letter"] < 0.5

    # this month the paperless agencies' letters to each other travel through the exchange for real
    this_month = selectors.figures_for([r.agency.id for r in ranked], periods.current("month"))
    khorramshahr_now = this_month[_by_name("فرمانداری خرمشهر").id]
    assert khorramshahr_now["inter_exchange_share"] and khorramshahr_now["inter_exchange_share"] > 0
    assert this_month[ranked[-1].agency.id]["inter_exchange_share"] in (0, None)
    assert Delivery.objects.filter(letter__agency__code="khz-farmandari-khorramshahr", outcome="registered").exists()

    # Bandar Mahshahr's year: from paper to nearly paperless, month by month
    mahshahr = _by_name("فرمانداری بندر ماهشهر")
    series = []
    for month in periods.recent_months(12):
        figures = selectors.figures_for([mahshahr.id], month)[mahshahr.id]
        series.append(figures["in_electronic_share"])
    known = [v for v in series if v is not None]
    assert known[-1] - known[0] >= 30, series

    # the managers of Karun never work in the system; slow readers read slowly
    karun = selectors.figures_for([_by_name("فرمانداری کارون").id], quarter)
    assert next(iter(karun.values()))["managers_active_share"] == 0
    bonyad = selectors.figures_for([_by_name("بنیاد شهید و امور ایثارگران استان خوزستان").id], quarter)
    khorramshahr = selectors.figures_for([_by_name("فرمانداری خرمشهر").id], quarter)
    assert next(iter(bonyad.values()))["read_median_hours"] > next(iter(khorramshahr.values()))["read_median_hours"]

    # the supervisors' scopes: the national one sees Tehran's municipality, the province's does not
    keshvar = User.objects.get(username="nazer.keshvar")
    tehran = _by_name("شهرداری تهران")
    assert tehran.province != KHZ
    assert policy.visible_agencies(keshvar).filter(pk=tehran.pk).exists()
    assert not policy.visible_agencies(ostan).filter(pk=tehran.pk).exists()
    assert set(policy.visible_agencies(ostan)) == set(Agency.objects.filter(province=KHZ))
    assert ostan.supervisor.office.name == "استانداری خوزستان"
    assert keshvar.supervisor.office.name == "دبیرخانه نظارت نهاد ریاست جمهوری"
    # they hold no position: signing in lands them on the dashboard
    from dabir.stats.views.home import landing

    assert landing(ostan) == landing(keshvar) == "/stats/dashboard/"
    for username in ("nazer.ostan", "nazer.keshvar", "khorramshahr.raeis", "dadgostari.raeis"):
        assert username in demo
        assert User.objects.get(username=username).check_password("dabir1405")
    # a manager sees their own agency only
    manager = User.objects.get(username="khorramshahr.raeis")
    assert list(policy.visible_agencies(manager)) == [_by_name("فرمانداری خرمشهر")]

    # the province's evaluation: sent as letters, answered, the courts' claim flagged, scored, an open action
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.state == Questionnaire.State.SENT and questionnaire.office.name == "استانداری خوزستان"
    evaluations = {e.agency.name: e for e in questionnaire.evaluations.select_related("agency", "letter")}
    assert len(evaluations) == 5 and all(e.letter.number and e.letter.kind == "incoming" for e in evaluations.values())
    courts, leader = evaluations["دادگستری کل استان خوزستان"], evaluations["فرمانداری خرمشهر"]
    assert courts.state == leader.state == Evaluation.State.SCORED and leader.score > courts.score
    claim = courts.answers.get(question__figure="in_electronic_share")
    assert claim.value == "90" and claim.discrepancy and claim.measured < 50
    assert not leader.answers.filter(discrepancy=True).exists()
    assert courts.visits.exists() and courts.actions.get().state == ActionItem.State.OPEN
    assert evaluations["فرمانداری بندر ماهشهر"].state == Evaluation.State.SENT


def _figure_rows():
    def rows(model, *fields):
        return sorted(model.objects.values_list(*fields))

    return (rows(AgencyDay, "agency", "day", "month", *AgencyDay.COUNTS),
            rows(ManagerDay, "agency", "day", "position", "signed", "referred"),
            rows(DurationBin, "agency", "day", "metric", "bin", "count"),
            rows(UserPrintDay, "agency", "day", "user", "prints", "pages", "copies"))


def test_history_is_consistent_numbers_access_signatures_and_rebuild(demo):
    history = Letter.objects.filter(agency__province__in=[KHZ, D.TEHRAN])
    # numbers gapless per series and year, following registration time; the counters at the last one
    for row in history.exclude(seq=None).values("series", "year").annotate(n=Count("id"), low=Min("seq"),
                                                                          high=Max("seq")):
        assert row["low"] == 1 and row["high"] == row["n"], row
        times = list(history.filter(series=row["series"], year=row["year"]).order_by("seq")
                     .values_list("registered_at", flat=True))
        assert times == sorted(times)
        assert NumberCounter.objects.get(series=row["series"], year=row["year"]).last == row["high"]

    # a letter of the history is seen by its referral chain and its secretariat's clerk, not by a
    # colleague outside its chain
    referral = Referral.objects.filter(letter__agency__code="khz-farmandari-khorramshahr",
                                       parent__isnull=False).select_related("letter").first()
    letter = referral.letter
    expert = User.objects.get(assignments__position=referral.to_position)
    clerk = User.objects.get(username="khorramshahr.dabir")
    assert visible_letters(expert).filter(pk=letter.pk).exists()
    assert visible_letters(clerk).filter(pk=letter.pk).exists()
    chain = Access.objects.filter(letter=letter).values_list("position", flat=True)
    outsider = User.objects.filter(username__startswith="khorramshahr.karshenas").exclude(
        assignments__position__in=chain).first()
    assert outsider is not None and not visible_letters(outsider).filter(pk=letter.pk).exists()

    # every digital signature of the history verifies
    signatures = Signature.objects.filter(version__letter__in=history).select_related("version")
    assert signatures.count() >= 30
    for signature in signatures[:20]:
        report = verify_version(signature.version)
        assert report.ok, report.failed()

    # the figures after a rebuild equal those after a second rebuild, and those the demo left
    loaded = _figure_rows()
    aggregate.rebuild()
    first = _figure_rows()
    aggregate.rebuild()
    assert _figure_rows() == first == loaded
