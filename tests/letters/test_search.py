"""Persian full-text search of letters, on the database's own index (FTS5 on SQLite, GIN on PostgreSQL)."""

import datetime as dt
import importlib

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dabir.core.jalali import TEHRAN
from dabir.letters import services
from dabir.letters.models import Classification, Kind, Letter
from dabir.letters.search import normalize_query, search_letters

from ..factories import make_position, make_user


def incoming(world, subject="درخواست بودجه", *, sender_name="شهرداری اهواز", refer_to=(), **extra):
    return services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject=subject, sender_name=sender_name,
        channel="post", refer_to=refer_to, seat=world.seat(world.clerk_pos), **extra,
    )


def draft(world, subject="پیش‌نویس گزارش", **extra):
    fields = {"kind": Kind.INTERNAL, "subject": subject, "to": [world.manager_pos.id], **extra}
    return services.create_draft(user=world.expert, seat=world.seat(world.expert_pos), **fields)


def ids(qs):
    return {letter.id for letter in qs}


def found(user, **query):
    return ids(search_letters(user, **query))


# ---------------------------------------------------------------- fields


def test_finds_by_word_in_each_field(world):
    by_subject = incoming(world, "درخواست تمدید قرارداد")
    by_body = incoming(world, "نامه دوم", body="<p>گزارش <strong>حسابرسی</strong> سالانه</p>")
    by_keywords = incoming(world, "نامه سوم", keywords="آب، فاضلاب")
    by_sender = incoming(world, "نامه چهارم", sender_name="اداره کل راهداری")
    to_outside = draft(world, "نامه پنجم", kind=Kind.OUTGOING, to=["سازمان برنامه و بودجه"])
    to_position = draft(world, "نامه ششم", to=[world.manager_pos.id])
    clerk, expert = world.clerk, world.expert

    assert found(clerk, q="تمدید") == {by_subject.id}
    assert found(clerk, q="حسابرسی") == {by_body.id}
    assert found(clerk, q="فاضلاب") == {by_keywords.id}
    assert found(clerk, q="راهداری") == {by_sender.id}
    assert found(expert, q="برنامه بودجه") == {to_outside.id}
    assert found(expert, q="مدیرکل") == {to_position.id}  # the recipient position's title


def test_every_word_must_match_and_the_last_is_a_prefix(world):
    budget = incoming(world, "درخواست بودجه عمرانی")
    other = incoming(world, "درخواست مرخصی")

    assert found(world.clerk, q="درخواست") == {budget.id, other.id}
    assert found(world.clerk, q="درخواست بودج") == {budget.id}
    assert found(world.clerk, q="بودج درخو") == {budget.id}  # every word is a prefix
    assert found(world.clerk, q="درخواست بودجه مسکن") == set()


def test_results_are_newest_first_and_can_be_sliced(world):
    letters = [incoming(world, f"گزارش پروژه {i}") for i in range(5)]
    base = dt.datetime(2026, 5, 1, 9, tzinfo=TEHRAN)
    for i, letter in enumerate(letters):
        Letter.objects.filter(pk=letter.pk).update(registered_at=base + dt.timedelta(days=i))

    qs = search_letters(world.clerk, q="گزارش").select_related("secretariat")
    assert [x.id for x in qs] == [x.id for x in reversed(letters)]
    assert [x.id for x in qs[1:3]] == [letters[3].id, letters[2].id]
    assert qs.count() == 5


@pytest.mark.parametrize("typed", ["1405/و/12", "۱۴۰۵/و/۱۲", "١٤٠٥/و/١٢", " ۱۴۰۵/و/۱۲ "])
def test_finds_by_official_number_in_any_digits(world, typed):
    letters = [incoming(world, f"نامه {i}") for i in range(12)]
    twelfth = letters[-1]
    Letter.objects.filter(pk=twelfth.pk).update(number="1405/و/12")
    Letter.objects.filter(pk=letters[0].pk).update(number="1405/و/1")

    assert found(world.clerk, number=typed) == {twelfth.id}


def test_finds_by_senders_number_in_any_digits(world):
    typed_persian = incoming(world, sender_number="۳۴۵/الف/۷۸")
    typed_latin = incoming(world, sender_number="999/ب/12")

    assert found(world.clerk, number="345/الف/78") == {typed_persian.id}
    assert found(world.clerk, number="۳۴۵/الف/۷۸") == {typed_persian.id}
    assert found(world.clerk, number="٩٩٩/ب/١٢") == {typed_latin.id}
    assert found(world.clerk, number="345") == set()


def test_number_and_words_combine(world):
    a = incoming(world, "درخواست بودجه")
    incoming(world, "درخواست بودجه")

    assert found(world.clerk, q="بودجه", number=a.number) == {a.id}
    assert found(world.clerk, q="مرخصی", number=a.number) == set()


def test_date_range_is_inclusive_in_tehran_time(world):
    late_night = incoming(world, "گزارش شب")
    next_morning = incoming(world, "گزارش صبح")
    # 23:59:59 on 20 March in Tehran is 20:29:59 UTC; one second later it is 21 March.
    Letter.objects.filter(pk=late_night.pk).update(registered_at=dt.datetime(2026, 3, 20, 20, 29, 59, tzinfo=dt.UTC))
    Letter.objects.filter(pk=next_morning.pk).update(registered_at=dt.datetime(2026, 3, 20, 20, 30, tzinfo=dt.UTC))
    day1, day2 = dt.date(2026, 3, 20), dt.date(2026, 3, 21)

    assert found(world.clerk, date_from=day1, date_to=day1) == {late_night.id}
    assert found(world.clerk, date_from=day2, date_to=day2) == {next_morning.id}
    assert found(world.clerk, date_from=day1, date_to=day2) == {late_night.id, next_morning.id}
    assert found(world.clerk, date_from=day2) == {next_morning.id}
    assert found(world.clerk, date_to=day1) == {late_night.id}
    assert found(world.clerk, q="گزارش", date_to=day1) == {late_night.id}


def test_drafts_are_dated_by_creation(world):
    letter = draft(world, "پیش‌نویس بخشنامه")
    Letter.objects.filter(pk=letter.pk).update(created_at=dt.datetime(2026, 6, 1, 10, tzinfo=TEHRAN))

    assert found(world.expert, date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 1)) == {letter.id}
    assert found(world.expert, date_from=dt.date(2026, 6, 2)) == set()


def test_filters_by_kind_and_classification(world):
    came_in = incoming(world, "گزارش وارده")
    secret = incoming(world, "گزارش محرمانه", classification=Classification.RESTRICTED)
    internal = draft(world, "گزارش داخلی")

    assert found(world.clerk, q="گزارش", kind=Kind.INCOMING) == {came_in.id, secret.id}
    assert found(world.clerk, kind=Kind.INCOMING) == {came_in.id, secret.id}
    assert found(world.expert, q="گزارش", kind=Kind.INTERNAL) == {internal.id}
    assert found(world.expert, q="گزارش", kind=Kind.INCOMING) == set()
    assert found(world.clerk, classification=Classification.RESTRICTED) == {secret.id}


def test_an_empty_search_finds_nothing(world):
    incoming(world)

    for query in [{}, {"q": ""}, {"q": "   "}, {"q": "!!"}, {"number": "  "}, {"q": "\u200c"}]:
        assert found(world.clerk, **query) == set(), query


# ---------------------------------------------------------------- spelling


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("نامه شرکت پیمانکاری", "شركت پيمانكاري"),  # Arabic ي and ك in the query
        ("شركت پيمانكاري", "شرکت پیمانکاری"),  # and in the text
        ("مُدیرِ کلّ", "مدیر کل"),  # diacritics in the text
        ("مدیر کل", "مُدیرِ کُلّ"),  # and in the query
        ("بودجـــه سالانه", "بودجه"),  # tatweel in the text
        ("بودجه سالانه", "بـودجـه"),  # and in the query
        ("این کار انجام می‌شود", "می شود"),  # ZWNJ in the text, space in the query
        ("این کار انجام می شود", "می‌شود"),  # and the other way
        ("مصوبه ۲۵ هیئت دولت", "25"),  # Persian digits in the text
        ("مصوبه 25 هیئت دولت", "۲۵"),  # Persian digits in the query
        ("مصوبه ٢٥ هیئت دولت", "۲۵"),  # Arabic digits in the text
        ("Budget Report", "budget REP"),  # Latin letters, any case
        ("نامه ۱۴۰۵/و/۱۲ پیرو", "12"),  # digits inside a number in the text
    ],
)
def test_spelling_insensitive(world, text, query):
    letter = incoming(world, text)
    incoming(world, "نامه بی‌ربط دیگر")

    assert found(world.clerk, q=query) == {letter.id}


def test_normalize_query_words():
    assert normalize_query("  شركت   پيمانكاري ") == ["شرکت", "پیمانکاری"]
    assert normalize_query("می‌شود") == ["میشود"]
    assert normalize_query("نامه‌های اداری") == ["نامههای", "اداری"]
    assert normalize_query("ای کاش") == ["کاش"]  # a lone affix finds nothing by itself
    assert normalize_query("ها") == normalize_query("می") == []
    assert normalize_query("۱۴۰۵/و/۱۲") == ["1405", "و", "12"]
    assert normalize_query('"a" & b | !c :* (d)') == ["a", "b", "c", "d"]
    assert normalize_query("بودجه بودجه") == ["بودجه"]
    assert normalize_query("") == []
    assert normalize_query(None) == []


# ---------------------------------------------------------------- affixes joined, half-spaced or apart

AFFIX_FORMS = [
    ("میشود", "می‌شود", "می شود"),
    ("نمیشود", "نمی‌شود", "نمی شود"),
    ("نامههای", "نامه‌های", "نامه های"),
    ("کتابهایی", "کتاب‌هایی", "کتاب هایی"),
    ("بزرگترین", "بزرگ‌ترین", "بزرگ ترین"),
    ("سریعتر", "سریع‌تر", "سریع تر"),
    ("رفتهاند", "رفته‌اند", "رفته اند"),
    ("نامهای", "نامه‌ای", "نامه ای"),
    ("بیپاسخ", "بی‌پاسخ", "بی پاسخ"),
]


@pytest.mark.parametrize("forms", AFFIX_FORMS)
@pytest.mark.parametrize("written", [0, 1, 2])
@pytest.mark.parametrize("typed", [0, 1, 2])
def test_a_word_with_an_affix_is_found_in_any_spelling(world, forms, written, typed):
    letter = incoming(world, f"گزارش {forms[written]} درباره پروژه")
    incoming(world, "گزارش دیگر درباره پروژه")

    assert found(world.clerk, q=forms[typed]) == {letter.id}
    assert found(world.clerk, q=f"پروژه {forms[typed]}") == {letter.id}


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("خرید میز اداری", "می ز"),  # «میز» is not «می» + «ز»
        ("سفر به تهران", "ته ران"),
        ("سفارت ترینیداد", "ترین"),  # a lone affix is no query …
        ("سفارت ترینیداد", "بهترین"),  # … and «ترین» inside a word is no suffix
        ("این کار نمی‌شود", "می‌شود"),  # the negative is another word
    ],
)
def test_affix_lookalikes_do_not_match(world, text, query):
    incoming(world, text)

    assert found(world.clerk, q=query) == set()


def test_a_word_before_its_suffix_still_finds_it(world):
    letter = incoming(world, "فهرست کتاب‌های کتابخانه")

    assert found(world.clerk, q="کتاب") == {letter.id}  # «کتابهای» begins with «کتاب»


def test_search_page_and_api_find_and_mark_every_spelling(world):
    from django.test import Client
    from django.urls import reverse

    from .test_api_helpers import Api

    letter = incoming(world, "این درخواست بررسی نمی‌شود و نامه‌ها بزرگ ترین بخش است",
                      refer_to=[services.ReferralSpec(world.manager_pos.id)])
    incoming(world, "نامه بی‌ربط", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("search"), {"q": "نمیشود نامه ها بزرگترین"}).content.decode()
    assert "<mark>نمی‌شود</mark>" in page and "<mark>نامه‌ها</mark>" in page
    assert "<mark>بزرگ ترین</mark>" in page
    assert "نامه بی‌ربط" not in page

    api = Api(world.manager)
    for q in ("نمی شود", "نامه‌ها بزرگ‌ترین", "نمیشود"):
        response = api.get("/api/letters/search", {"q": q})
        assert response.status_code == 200, response.content
        assert [x["id"] for x in response.json()["items"]] == [letter.id], q


def test_letters_indexed_before_the_affix_rules_are_reindexed(world):
    from django.db.migrations.executor import MigrationExecutor

    letter = incoming(world, "جلسه برگزار می‌شود")
    # As the old normalize() left it: the half-space as a space.
    Letter.objects.filter(pk=letter.pk).update(search_text="جلسه برگزار می شود")
    assert found(world.clerk, q="میشود") == set()
    updated_at = Letter.objects.get(pk=letter.pk).updated_at

    # The migration's own function, with the historical models it runs with.
    executor = MigrationExecutor(connection)
    state = executor.loader.project_state(("letters", "0007_reindex_joined_affixes"))
    module = importlib.import_module("dabir.letters.migrations.0007_reindex_joined_affixes")
    module.reindex(state.apps, connection.schema_editor())

    assert found(world.clerk, q="میشود") == {letter.id}
    assert found(world.clerk, q="می شود") == {letter.id}
    assert Letter.objects.get(pk=letter.pk).updated_at == updated_at


# ---------------------------------------------------------------- visibility


def test_a_confidential_letter_is_found_only_by_its_chain_and_secretariat(world):
    letter = incoming(
        world, "گزارش محرمانه پروژه", classification=Classification.CONFIDENTIAL,
        refer_to=[services.ReferralSpec(world.manager_pos.id, note="رسیدگی شود")],
    )
    second_clerk = make_user()
    make_position(world.unit, "کارمند دوم دبیرخانه", holder=second_clerk)
    world.secretariat.clerks.add(second_clerk)
    outsider = make_user()  # a user of another position in another agency
    from ..factories import make_world

    elsewhere = make_world("دستگاه دیگر")
    make_position(elsewhere.unit, "کارشناس", holder=outsider)

    for user in (world.manager, world.clerk, second_clerk):
        assert found(user, q="محرمانه") == {letter.id}, user
        assert found(user, number=letter.number) == {letter.id}, user
    for user in (world.other, world.expert, outsider, elsewhere.clerk):
        assert found(user, q="محرمانه") == set(), user
        assert found(user, number=letter.number) == set(), user
        assert found(user, kind=Kind.INCOMING) == set(), user


def test_an_anonymous_user_finds_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    incoming(world, "گزارش عمومی")
    assert found(AnonymousUser(), q="گزارش") == set()
    assert found(None, q="گزارش") == set()


# ---------------------------------------------------------------- hostile input


HOSTILE = ['"', "a & b", "(", "!!", ":*", "'; drop table letters_letter; --", "a:* | b", "\\", "''", '"*',
           "NEAR(a b)", "AND", "OR NOT", "a*", "^a", "-a", "{a}", "%_", "\x00", "گزارش'", 'گزارش"*']


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(world, query):
    letter = incoming(world, "گزارش and near a b")

    result = found(world.clerk, q=query)
    assert result <= {letter.id}
    assert found(world.clerk, number=query) == set()
    assert Letter.objects.filter(pk=letter.pk).exists()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=40))
def test_any_text_is_a_valid_query(world, query):
    qs = search_letters(world.clerk, q=query, number=query)
    list(qs[:5])
    qs.count()


def test_operator_words_are_searched_as_words(world):
    letter = incoming(world, "and or not near")
    incoming(world, "گزارش دیگر")

    assert found(world.clerk, q="NOT near") == {letter.id}
    assert found(world.clerk, q="or AND") == {letter.id}


# ---------------------------------------------------------------- the index follows writes


def test_an_edit_updates_the_search(world):
    letter = draft(world, "پیش‌نویس قرارداد خرید")
    seat = world.seat(world.expert_pos)
    assert found(world.expert, q="قرارداد") == {letter.id}

    services.update_draft(
        user=world.expert, seat=seat, letter=letter, subject="پیش‌نویس تفاهم‌نامه همکاری", body="<p>متن تازه</p>",
        to=[world.other_pos.id], cc=[], signer_position_id=None, urgency="normal", classification="unclassified",
        keywords="همکاری", links=[],
    )

    assert found(world.expert, q="قرارداد") == set()
    assert found(world.expert, q="تفاهم") == {letter.id}
    assert found(world.expert, q="تازه") == {letter.id}
    assert found(world.expert, q="مالی") == {letter.id}  # the new recipient's position title


def test_a_status_change_keeps_the_letter_findable(world):
    letter = incoming(world, "گزارش بازرسی", refer_to=[services.ReferralSpec(world.manager_pos.id)])
    services.close_letter(user=world.manager, seat=world.seat(world.manager_pos), letter=letter, note="بایگانی شد")

    assert found(world.manager, q="بازرسی") == {letter.id}


def test_a_deleted_letter_leaves_the_results(world):
    kept = draft(world, "پیش‌نویس گزارش ماهانه")
    gone = draft(world, "پیش‌نویس گزارش هفتگی")
    assert found(world.expert, q="گزارش") == {kept.id, gone.id}

    gone.delete()

    assert found(world.expert, q="گزارش") == {kept.id}
    assert found(world.expert, q="هفتگی") == set()


# ---------------------------------------------------------------- the index is used


def _bulk_letters(world, n):
    words = ["گزارش", "بودجه", "قرارداد", "مرخصی", "استخدام", "خرید", "تعمیر", "بازرسی"]
    Letter.objects.bulk_create(
        [
            Letter(
                kind=Kind.INCOMING, agency=world.agency, subject=f"{words[i % 8]} {i}", created_by=world.clerk,
                search_text=f"{words[i % 8]} نامه {i} {words[(i * 7) % 8]}",
            )
            for i in range(n)
        ],
        batch_size=2000,
    )


def test_the_full_text_index_is_used(world):
    _bulk_letters(world, 20_000)
    rare = incoming(world, "نامه یگانه زیرساخت")
    qs = search_letters(world.clerk, q="زیرساخ")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE letters_letter")
            cursor.execute("ANALYZE letters_letter_search")
        else:
            cursor.execute("ANALYZE")
    plan = qs.explain()
    if connection.vendor == "postgresql":
        # The search table (migration 0009) with its stored vectors, nothing re-tokenised; over these
        # 20,000 tiny rows a scan of it may beat its GIN index (test_search_table checks the indexes).
        assert "letters_letter_search" in plan and "to_tsvector" not in plan, plan
    else:
        assert "letters_letter_fts VIRTUAL TABLE INDEX" in plan, plan
    assert ids(qs) == {rare.id}
    assert ids(search_letters(world.clerk, q="نامه 19999")) == set()  # bulk rows are outside the secretariat


def test_the_sqlite_index_can_be_rebuilt_after_its_triggers_are_lost(world):
    from dabir.letters.search import ensure_sqlite_index

    if connection.vendor != "sqlite":
        assert ensure_sqlite_index() is False
        return
    before = incoming(world, "گزارش پیش از بازسازی")
    assert ensure_sqlite_index() is False  # the migration made everything
    # What Django's table rebuild on SQLite does to triggers: they go with the old table.
    with connection.cursor() as cursor:
        for name in ("letters_letter_fts_ai", "letters_letter_fts_ad", "letters_letter_fts_au"):
            cursor.execute(f"DROP TRIGGER {name}")
    missed = incoming(world, "گزارش بدون ماشه")
    assert found(world.clerk, q="گزارش") == {before.id}

    assert ensure_sqlite_index() is True

    assert found(world.clerk, q="گزارش") == {before.id, missed.id}
    later = incoming(world, "گزارش پس از بازسازی")
    assert found(world.clerk, q="گزارش") == {before.id, missed.id, later.id}
