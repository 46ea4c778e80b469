"""Number series in the admin: set up from named pieces and checkboxes, with a preview of the next number
that is the number registration gives."""

import re

import pytest
from django.core.exceptions import ValidationError
from lxml import html

from dabir.letters.models import Kind
from dabir.orgs import numbering
from dabir.orgs.models import NumberSeries
from dabir.orgs.services import make_agency_admin

from ..factories import make_user, make_world, register_incoming


@pytest.fixture
def boss(world, client):
    user = make_user(is_staff=True)
    make_agency_admin(actor=None, user=user, agency=world.agency)
    client.force_login(user)
    return user


def series_form(series, **pieces):
    data = {"secretariat": series.secretariat_id, "name": series.name, "code": series.code, "active": "on",
            "kinds": ["incoming"], "text": "", "padding": "0"}
    data.update({f"piece_{i}": "" for i in range(1, 6)})
    data.update({f"sep_{i}": "/" for i in range(1, 5)})
    data.update(pieces)
    return data


def preview_of(page: str) -> str:
    output = html.fromstring(page).xpath("//output[contains(@class, 'series-preview')]")
    assert output, "the change page shows a preview"
    return output[0].get("data-number")


def test_change_page_shows_pieces_checkboxes_and_no_raw_template(world, client, boss):
    page = client.get(f"/admin/orgs/numberseries/{world.incoming_series.id}/change/").content.decode()
    assert 'name="template"' not in page and "{year}" not in page
    assert re.search(r'<select name="piece_1"[^>]*>.*?<option value="year" selected>', page, re.S)
    assert 'type="checkbox" name="kinds" value="incoming"' in page and "وارده" in page
    assert "پیش‌نمایش شماره بعدی" in page


def test_saved_pieces_make_the_template_and_the_preview_is_the_next_registered_number(world, client, boss):
    series = world.incoming_series
    register_incoming(world)  # the year's counter is at 1 already
    form = series_form(series, piece_1="text", sep_1="-", piece_2="yy", sep_2="/", piece_3="seq", sep_3="/",
                       piece_4="secretariat", text="ش.و", padding="4")
    answer = client.post(f"/admin/orgs/numberseries/{series.id}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    series.refresh_from_db()
    assert series.template == "ش.و-{yy}/{seq:04d}/{secretariat}"
    assert series.kinds == ["incoming"]

    page = client.get(f"/admin/orgs/numberseries/{series.id}/change/").content.decode()
    preview = preview_of(page)
    letter = register_incoming(world)
    assert letter.number == preview
    assert re.fullmatch(r"ش\.و-\d\d/0002/DM", preview)

    # and the list shows the one after it
    listing = client.get("/admin/orgs/numberseries/").content.decode()
    assert "۰۰۰۳" in listing


def test_live_preview_answers_for_unsaved_pieces_with_the_numbering_function(world, client, boss):
    series = world.outgoing_series
    answer = client.get("/admin/orgs/numberseries/preview/", {
        "series": series.id, "code": series.code, "piece_1": "year", "sep_1": "/", "piece_2": "code", "sep_2": "/",
        "piece_3": "seq", "padding": "۳",
    }).json()
    assert answer["error"] == ""
    series.refresh_from_db()
    series.template = "{year}/{code}/{seq:03d}"
    assert answer["raw"] == numbering.next_number(series)
    assert answer["raw"].endswith("/ص/001") and "۰۰۱" in answer["number"]

    missing_seq = client.get("/admin/orgs/numberseries/preview/", {"series": series.id, "piece_1": "year"}).json()
    assert "ردیف" in missing_seq["error"] and missing_seq["raw"] == ""


def test_preview_of_another_agencys_series_shows_nothing_of_it(world, client, boss):
    theirs = make_world()
    register_incoming(theirs)
    answer = client.get("/admin/orgs/numberseries/preview/", {
        "series": theirs.incoming_series.id, "secretariat": theirs.secretariat.id, "code": "X",
        "piece_1": "secretariat", "sep_1": "/", "piece_2": "seq",
    }).json()
    assert answer["raw"] == "…/1"  # neither their counter nor their secretariat's code


def test_a_pattern_without_sequence_is_refused_in_persian_and_nothing_changes(world, client, boss):
    series = world.internal_series
    before = series.template
    answer = client.post(f"/admin/orgs/numberseries/{series.id}/change/",
                         series_form(series, piece_1="year", sep_1="/", piece_2="code"))
    assert answer.status_code == 200
    assert "الگوی شماره باید «ردیف» را داشته باشد" in answer.content.decode()
    series.refresh_from_db()
    assert series.template == before

    answer = client.post(f"/admin/orgs/numberseries/{series.id}/change/",
                         series_form(series, piece_1="text", sep_1="/", piece_2="seq"))
    assert "متن ثابت را بنویسید" in answer.content.decode()


def test_series_added_from_the_secretariat_page_uses_the_same_pieces(world, client, boss):
    sec = world.secretariat
    existing = list(sec.series.order_by("id"))
    data = {"agency": world.agency.id, "name": sec.name, "code": sec.code,
            "series-TOTAL_FORMS": str(len(existing) + 1), "series-INITIAL_FORMS": str(len(existing)),
            "series-MIN_NUM_FORMS": "0", "series-MAX_NUM_FORMS": "1000"}
    for i, s in enumerate(existing):
        pieces = {f"piece_{n}": piece for n, piece in enumerate(numbering.split(s.template).pieces, start=1)}
        data.update({f"series-{i}-{k}": v for k, v in series_form(s, **pieces).items() if k != "secretariat"})
        data[f"series-{i}-id"] = s.id
        data[f"series-{i}-secretariat"] = sec.id
    new = f"series-{len(existing)}-"
    data.update({new + "name": "محرمانه", new + "code": "م", new + "piece_1": "code", new + "sep_1": "-",
                 new + "piece_2": "seq", new + "padding": "3", new + "kinds": ["outgoing", "internal"],
                 new + "active": "on", new + "secretariat": sec.id})
    answer = client.post(f"/admin/orgs/secretariat/{sec.id}/change/", data)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    added = NumberSeries.objects.get(secretariat=sec, code="م")
    assert added.template == "{code}-{seq:03d}" and added.kinds == ["outgoing", "internal"]


@pytest.mark.parametrize("template", ["{year}/{code}/{seq}", "{yy}/{secretariat}-{code}/{seq}",
                                      "{code}/{seq:05d}/{yy}", "ص/{seq}", "{year}{seq:04d}"])
def test_every_pattern_the_pieces_can_say_comes_back_the_same(template):
    pattern = numbering.split(template)
    assert pattern is not None
    assert pattern.template() == template


@pytest.mark.parametrize("template, message", [
    ("{year}/{code}", "ردیف"),
    ("{year}/{foo}/{seq}", "ناشناخته"),
    ("{year/{seq}", "آکولاد"),
    ("{seq:x}", "پذیرفته نیست"),
    ("", "خالی"),
])
def test_a_broken_pattern_is_refused_with_a_persian_message(db, template, message):
    world = make_world()
    world.incoming_series.template = template
    with pytest.raises(ValidationError) as refused:
        world.incoming_series.full_clean()
    assert message in str(refused.value)


def test_the_kinds_offered_are_the_letter_kinds():
    assert numbering.LETTER_KINDS == [(value, str(label)) for value, label in Kind.choices]


@pytest.mark.parametrize("query", [{"series": "abc"}, {"series": "9223372036854775808"}, {"secretariat": "-1"},
                                   {"padding": "x", "piece_1": "nope", "sep_1": "؟"}, {}])
def test_preview_with_odd_input_answers_json_not_500(world, client, boss, query):
    answer = client.get("/admin/orgs/numberseries/preview/", query)
    assert answer.status_code == 200
    assert set(answer.json()) == {"number", "raw", "error"}


def test_preview_is_for_admins_only(world, client):
    client.force_login(world.expert)
    assert client.get("/admin/orgs/numberseries/preview/").status_code == 302


def test_agency_deadlines_are_numbers_per_urgency_not_json(world, client):
    root = make_user(is_staff=True, is_superuser=True)
    client.force_login(root)
    agency = world.agency
    page = client.get(f"/admin/orgs/agency/{agency.id}/change/").content.decode()
    assert 'name="deadline_days"' not in page and 'name="deadline_urgent"' in page
    form = {"name": agency.name, "code": agency.code, "province": agency.province, "address": "", "phone": "",
            "deadline_normal": "", "deadline_urgent": "۲", "deadline_immediate": "1"}
    answer = client.post(f"/admin/orgs/agency/{agency.id}/change/", form)
    assert answer.status_code == 302, answer.content.decode()[:3000]
    agency.refresh_from_db()
    assert agency.deadline_days == {"urgent": 2, "immediate": 1}
    assert agency.default_deadline_days("urgent") == 2
    page = client.get(f"/admin/orgs/agency/{agency.id}/change/").content.decode()
    assert 'name="deadline_urgent" value="2"' in page or 'value="2"' in page

    refused = client.post(f"/admin/orgs/agency/{agency.id}/change/", {**form, "deadline_urgent": "0"})
    assert refused.status_code == 200
    agency.refresh_from_db()
    assert agency.deadline_days == {"urgent": 2, "immediate": 1}
