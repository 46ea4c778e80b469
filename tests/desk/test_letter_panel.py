"""The desk's panel on the letter page comes from the desk's registration at start (letters.panels),
gated by a real link between the letter and a request, not by the letter's keywords."""

from pathlib import Path

import pytest
from django.test import Client

from dabir.letters import panels
from dabir.letters.models import Letter
from tests.factories import make_registered

from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db
LETTERS_TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "dabir" / "templates" / "letters"


def page(user, letter_id) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/letters/{letter_id}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_request_letter_shows_the_desk_panel_even_when_its_keywords_no_longer_say_so(world):
    req = submit(setup_desk(world), make_citizen())
    Letter.objects.filter(pk=req.letter_id).update(keywords="پروانه ساختمان")  # the clerk re-keyworded it
    html = page(world.expert, req.letter_id)
    assert "desk-staff-panel" in html and "ثبت تصمیم" in html


def test_an_ordinary_letter_shows_no_desk_panel_even_with_the_desk_keyword(world):
    setup_desk(world)
    ordinary = make_registered(world, keywords="میز خدمت پروانه")
    html = page(world.expert, ordinary.id)
    assert "میز خدمت پروانه" in html  # the keywords are on the page
    assert "desk-staff-panel" not in html


def test_the_desk_registers_its_panel_at_start_and_letters_templates_name_no_higher_app():
    assert "desk" in [p.name for p in panels._panels.values()]
    for path in LETTERS_TEMPLATES.rglob("*.html"):
        text = path.read_text()
        for app in ("desk/", "signing/", "exchange/", "channels/", "counters/", "stats/"):
            assert f'"{app}' not in text and f"'{app}" not in text, (path.name, app)
