"""Suggested first recipients (letters/suggestions.py, the «پیشنهاد گیرنده» of the register page).

Given a secretariat's history of incoming letters and their first referrals, the clerk who types a
sender and a subject gets the positions those letters went to, best first, with a reason in counts.
Only the secretariat's clerks get any; a classified letter's subject never shows; the accuracy on a
held-back part of a generated history beats always offering the most frequent position.
"""

import datetime as dt
import io
import re

import pytest
from bench.suggest import UNITS, fill, generate, make_units
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dabir.core.text import normalize
from dabir.letters import services, suggestions
from dabir.letters.models import Classification
from dabir.orgs.models import Agency, NumberSeries, Secretariat, Unit
from tests.factories import make_position, make_user, register_incoming

pytestmark = pytest.mark.django_db

URL = "/letters/incoming/suggest/"


def _refer(world, position, **kw):
    return [services.ReferralSpec(position_id=position.id, action="action", note="", deadline=None)]


def _history(world, rows):
    """Register each (sender, subject, position[, classification]) through the service, as a clerk does."""
    for row in rows:
        sender, subject, position = row[:3]
        extra = {"classification": row[3]} if len(row) > 3 else {}
        register_incoming(world, sender_name=sender, subject=subject, refer_to=_refer(world, position), **extra)


@pytest.fixture
def finance(world):
    return make_position(world.unit, "مدیر امور مالی", holder=make_user())


def _ask(client, world, sender="", subject="", **extra):
    params = {"secretariat": world.secretariat.id, "sender_name": sender, "subject": subject, **extra}
    return client.get(URL, params)


def _positions_in(html: str) -> list[int]:
    return [int(p) for p in re.findall(r'data-position="(\d+)"', html)]


# ---------------------------------------------------------------- ranking


def test_the_sender_and_the_words_rank_the_positions_they_went_to(client, world, finance):
    _history(world, [
        ("شهرداری اهواز", "درخواست پرداخت صورت‌حساب", finance),
        ("شهرداری اهواز", "پرداخت مطالبات پیمانکار", finance),
        ("شهرداری اهواز", "پیگیری صورت‌حساب", finance),
        ("سازمان فناوری اطلاعات", "پشتیبانی سامانه", world.expert_pos),
        ("سازمان فناوری اطلاعات", "امنیت شبکه سامانه", world.expert_pos),
        ("سازمان فناوری اطلاعات", "ارتقای سامانه", world.expert_pos),
        ("استانداری", "جلسه شورا", world.manager_pos),
    ])
    client.force_login(world.clerk)

    by_sender = _ask(client, world, sender="شهرداري اهواز")  # Arabic ي: normalised like the history
    assert by_sender.status_code == 200
    assert _positions_in(by_sender.content.decode())[0] == finance.id
    assert "۳ نامه از همین فرستنده" in by_sender.content.decode()

    by_words = _ask(client, world, subject="مشکل سامانه")
    html = by_words.content.decode()
    assert _positions_in(html)[0] == world.expert_pos.id
    assert "۳ نامه با واژه «سامانه»" in html

    # A new sender, a subject of the finance unit's words: the words decide.
    mixed = _ask(client, world, sender="بانک ملی", subject="صورت‌حساب خرید")
    assert _positions_in(mixed.content.decode())[0] == finance.id


def test_recent_letters_weigh_more_than_old_ones(world, finance):
    _history(world, [("شهرداری اهواز", "درخواست بودجه", world.manager_pos)] * 3)
    old = timezone.now() - dt.timedelta(days=3 * 365)
    from dabir.letters.models import Letter
    Letter.objects.filter(secretariat=world.secretariat).update(registered_at=old)
    _history(world, [("شهرداری اهواز", "درخواست بودجه", finance)] * 2)

    (first, *_) = suggestions.suggest(world.clerk, secretariat_id=world.secretariat.id, sender="شهرداری اهواز",
                                      seat=world.seat(world.clerk_pos))
    assert first.position == finance  # two recent letters over three from three years ago
    assert first.from_sender == 2


def test_a_reassigned_first_referral_teaches_its_replacement(world, finance):
    letter = register_incoming(world, sender_name="دیوان محاسبات", subject="حسابرسی",
                               refer_to=_refer(world, world.expert_pos))
    referral = letter.referrals.get()
    services.reassign(user=world.clerk, seat=world.seat(world.clerk_pos), referral=referral,
                      to_position_id=finance.id)
    examples = suggestions.history(world.secretariat.id)
    assert [e.position_id for e in examples] == [finance.id]


def test_only_active_positions_of_the_agency_and_never_the_clerks_own(world, finance):
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)] * 2
             + [("شهرداری اهواز", "درخواست پرداخت", world.expert_pos)])
    # Letters referred to the clerk's own position by another clerk of the secretariat.
    other_clerk = make_user()
    world.secretariat.clerks.add(other_clerk)
    other_seat_pos = make_position(world.unit, "دبیر دوم", holder=other_clerk)
    for _ in range(4):
        services.register_incoming(user=other_clerk, secretariat=world.secretariat, subject="درخواست پرداخت",
                                   sender_name="شهرداری اهواز", channel="post", seat=world.seat(other_seat_pos),
                                   refer_to=_refer(world, world.clerk_pos))
    finance.active = False
    finance.save(update_fields=["active"])

    got = suggestions.suggest(world.clerk, secretariat_id=world.secretariat.id, sender="شهرداری اهواز",
                              seat=world.seat(world.clerk_pos))
    ids = [s.position.id for s in got]
    assert finance.id not in ids  # inactive
    assert world.clerk_pos.id not in ids  # one's own seat: a letter is never referred to oneself
    assert ids == [world.expert_pos.id]


def test_nothing_typed_or_no_history_gives_nothing(client, world, finance):
    client.force_login(world.clerk)
    empty = _ask(client, world, sender="شهرداری اهواز")
    assert empty.status_code == 200 and _positions_in(empty.content.decode()) == []
    assert "پیشنهادی" in empty.content.decode()  # said plainly
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)])
    blank = _ask(client, world, sender="  ", subject="")
    assert blank.status_code == 200 and blank.content.decode().strip() == ""


# ---------------------------------------------------------------- who gets them


def test_secretariat_scoped_other_secretariats_history_is_not_used(client, world, finance):
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)] * 3)
    # A second secretariat of the same agency, with its own clerk and history.
    second = Secretariat.objects.create(agency=world.agency, name="دبیرخانه دوم", code="D2")
    NumberSeries.objects.create(secretariat=second, name="وارده", code="و۲", kinds=["incoming"])
    clerk2 = make_user()
    second.clerks.add(clerk2)
    seat2 = make_position(world.unit, "دبیر دبیرخانه دوم", holder=clerk2)
    services.register_incoming(user=clerk2, secretariat=second, subject="درخواست پرداخت",
                               sender_name="شهرداری اهواز", channel="post", seat=world.seat(seat2),
                               refer_to=_refer(world, world.expert_pos))

    client.force_login(clerk2)
    html = _ask(client, world, sender="شهرداری اهواز", secretariat=second.id).content.decode()
    assert _positions_in(html) == [world.expert_pos.id]
    # The second secretariat's clerk asking about the first secretariat gets nothing.
    assert _positions_in(_ask(client, world, sender="شهرداری اهواز").content.decode()) == []


def test_outsiders_and_non_clerks_get_none(client, world, finance):
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)] * 3)
    # The expert of the agency (no secretariat), the manager, a clerk of another agency.
    agency2 = Agency.objects.create(name="دستگاه دیگر", code="OTHER")
    sec2 = Secretariat.objects.create(agency=agency2, name="دبیرخانه دیگر", code="O")
    outsider = make_user()
    sec2.clerks.add(outsider)
    make_position(Unit.objects.create(agency=agency2, name="واحد"), "دبیر", holder=outsider)
    for user in (world.expert, world.manager, outsider):
        client.force_login(user)
        resp = _ask(client, world, sender="شهرداری اهواز", subject="درخواست پرداخت")
        assert resp.status_code == 200
        assert _positions_in(resp.content.decode()) == []
        assert "مدیر امور مالی" not in resp.content.decode()
        assert suggestions.suggest(user, secretariat_id=world.secretariat.id, sender="شهرداری اهواز") == []
    client.logout()
    anonymous = _ask(client, world, sender="شهرداری اهواز")
    assert anonymous.status_code == 302 and "مدیر امور مالی" not in anonymous.content.decode()


def test_classified_subjects_never_in_the_output(client, world, finance):
    secret_subject = "خرید تجهیزات شنود ویژه"
    _history(world, [
        ("وزارت اطلاعات", secret_subject, finance, Classification.SECRET),
        ("وزارت اطلاعات", secret_subject, finance, Classification.CONFIDENTIAL),
        ("شهرداری اهواز", "خرید میز", world.expert_pos),
    ])
    client.force_login(world.clerk)
    for sender, subject in (("وزارت اطلاعات", ""), ("", "شنود"), ("", "تجهیزات شنود ویژه"),
                            ("وزارت اطلاعات", secret_subject)):
        html = _ask(client, world, sender=sender, subject=subject).content.decode()
        for word in ("تجهیزات", "شنود", "ویژه"):
            # The page may echo what the clerk typed; never a classified letter's subject as a reason.
            assert f"«{word}»" not in html
        assert secret_subject not in html
    # The sender still teaches (counts, not subjects): the classified letters went to finance.
    html = _ask(client, world, sender="وزارت اطلاعات").content.decode()
    assert _positions_in(html)[0] == finance.id and "۲ نامه از همین فرستنده" in html
    # A classified letter's words teach nothing at all.
    examples = suggestions.history(world.secretariat.id)
    assert all(e.words == () for e in examples if e.classified)


# ---------------------------------------------------------------- bad input, cost


@pytest.mark.parametrize("params", [
    {"secretariat": "abc"}, {"secretariat": "-3"}, {"subject": "و" * 501}, {"sender_name": "ا" * 301},
])
def test_bad_input_is_a_persian_message_not_a_500(client, world, params):
    client.force_login(world.clerk)
    resp = client.get(URL, {"sender_name": "شهرداری", **params})
    assert resp.status_code == 400
    assert re.search("[\u0600-\u06ff]", resp.content.decode())
    assert client.post(URL, {"sender_name": "x"}).status_code == 405


def test_secretariat_with_persian_digits_or_left_out(client, world, finance):
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)])
    client.force_login(world.clerk)
    persian = str(world.secretariat.id).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
    assert _positions_in(client.get(URL, {"secretariat": persian, "sender_name": "شهرداری اهواز"})
                         .content.decode()) == [finance.id]
    assert _positions_in(client.get(URL, {"sender_name": "شهرداری اهواز"}).content.decode()) == [finance.id]


def test_a_bounded_number_of_queries_however_long_the_history(client, world):
    positions = make_units(world.agency)
    client.force_login(world.clerk)

    def count(n):
        fill(secretariat=world.secretariat, series=world.incoming_series, clerk=world.clerk,
             clerk_pos=world.clerk_pos, positions=positions, rows=generate(n, seed=n))
        with CaptureQueriesContext(connection) as ctx:
            resp = _ask(client, world, sender=UNITS[1][3][0], subject="پرداخت")
        assert resp.status_code == 200 and _positions_in(resp.content.decode())
        return len(ctx.captured_queries)

    small, large = count(20), count(400)
    assert small == large
    assert large <= 8  # session and user, seats, then the clerk check, secretariat, history and positions


# ---------------------------------------------------------------- accuracy


def test_accuracy_on_a_generated_history_beats_the_most_frequent_position(world):
    positions = make_units(world.agency)
    fill(secretariat=world.secretariat, series=world.incoming_series, clerk=world.clerk, clerk_pos=world.clerk_pos,
         positions=positions, rows=generate(1500, seed=7))
    acc = suggestions.evaluate(suggestions.history(world.secretariat.id), holdout=0.2)
    assert acc.tested == 300 and acc.trained_on == 1200
    # The floor is the baseline's own rate: offering the most frequent position every time.
    assert acc.top1_rate > acc.baseline_rate + 0.2
    assert acc.top3_rate >= acc.top1_rate
    assert acc.top3_rate > 0.8


def test_a_history_with_no_pattern_is_not_learned_beyond_the_baseline(world):
    """The check on the check: a history where first recipients are drawn at random has nothing to
    learn, and the report must not claim more than chance and the baseline give."""
    positions = make_units(world.agency)
    fill(secretariat=world.secretariat, series=world.incoming_series, clerk=world.clerk, clerk_pos=world.clerk_pos,
         positions=positions, rows=generate(800, seed=3, noise=1.0))
    acc = suggestions.evaluate(suggestions.history(world.secretariat.id), holdout=0.25)
    assert acc.top1_rate < 1 / len(UNITS) + 0.12


def test_suggest_report_command(world):
    positions = make_units(world.agency)
    fill(secretariat=world.secretariat, series=world.incoming_series, clerk=world.clerk, clerk_pos=world.clerk_pos,
         positions=positions, rows=generate(400, seed=5))
    out = io.StringIO()
    call_command("letters", "suggest-report", "--holdout", "0.25", "--secretariat", str(world.secretariat.id),
                 stdout=out)
    text = out.getvalue()
    acc = suggestions.evaluate(suggestions.history(world.secretariat.id, limit=400), holdout=0.25)
    assert f"{acc.top1_rate:.1%}" in text and f"{acc.top3_rate:.1%}" in text
    assert "100 held back" in text and "300 learned" in text
    assert world.secretariat.name in text

    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("letters", "suggest-report", "--holdout", "1.5", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("letters", "suggest-report", "--secretariat", "999999", stdout=io.StringIO())


def test_subject_words_drop_stop_words_numbers_and_normalise():
    assert suggestions.subject_words("درخواستِ پرداخت و صورت حساب‌ها شماره ۱۲۳ در خصوص نامه") == (
        normalize("درخواست"), "پرداخت", "صورت", normalize("حساب‌ها"),
    )
    assert suggestions.subject_words("") == ()


def test_a_prefixed_form_asks_with_its_own_names(client, world, finance):
    """The intake's and the arrival's forms have a prefix (register-, accept-): the partial reads past it."""
    _history(world, [("شهرداری اهواز", "درخواست پرداخت", finance)])
    client.force_login(world.clerk)
    html = client.get(URL, {"register-sender_name": "شهرداری اهواز", "register-subject": "پرداخت",
                            "register-secretariat": world.secretariat.id}).content.decode()
    assert _positions_in(html) == [finance.id]


def test_the_register_page_has_the_box_under_the_first_referral(client, world):
    client.force_login(world.clerk)
    html = client.get("/letters/incoming/new/").content.decode()
    box = re.search(r'<div class="suggestions[^>]*>', html).group(0)
    assert 'data-target="id_refer_position"' in box and 'hx-get="/letters/incoming/suggest/"' in box
    assert "from:#id_sender_name" in box and "from:#id_subject" in box and "from:#id_secretariat" in box
    assert html.index('id="id_refer_position"') < html.index('id="suggestions"')


def test_fixed_values_of_a_page_are_valid_json_for_htmx():
    """The arrival page knows the sender and subject already: they travel in hx-vals, whatever they hold."""
    import html as html_lib
    import json

    from django.template.loader import render_to_string

    sender, subject = 'اداره «کل» "راه" \\ و <شهرسازی>', "موضوع 'نقل‌قول' & ادامه"
    out = render_to_string("letters/partials/suggest_box.html",
                           {"target": "id_accept-refer_position", "prefix": "accept-", "fixed_sender": sender,
                            "fixed_subject": subject, "secretariat": "id_accept-secretariat"})
    vals = re.search(r"hx-vals='([^']*)'", out).group(1)
    assert json.loads(html_lib.unescape(vals)) == {"sender_name": sender, "subject": subject}
    assert 'hx-params="accept-sender_name,accept-subject,accept-secretariat,sender_name,subject"' in out
