"""The demo catalogue's service definitions (src/dabir/desk/definitions/*.json): valid against the
published schema, wired to the demo's agencies and positions, publishable and exported unchanged."""

import json
import re

import pytest

from dabir.demo import data
from dabir.demo import desk as desk_demo
from dabir.desk import services
from dabir.desk.definition import TERMINAL, Definition, parse_definition
from dabir.desk.models import Category, DeskProfile
from dabir.orgs.models import Agency, Position, Secretariat, Unit

FILES = sorted(desk_demo.DEFINITIONS.glob("*.json"))
PERSIAN = re.compile(r"[\u0600-\u06FF]")
BUILT_IN = {"tracking_code", "applicant_name", "national_code", "service_title", "date"}


def demo_positions() -> dict[str, tuple[str, bool]]:
    """Position code → (agency code, can sign), as the demo builds them."""
    rows = {}
    for spec in data.AGENCIES:
        for key, _unit, _title, _manager, can_sign, _holder in spec["positions"]:
            rows[key.upper()] = (spec["code"], can_sign)
    by_key = {spec["key"]: spec["code"] for spec in data.AGENCIES}
    for agency_key, _unit, code, _title, _holder in desk_demo.POSITIONS:
        rows[code] = (by_key[agency_key], False)
    return rows


def load(path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_at_least_eight_services_across_the_agencies():
    assert len(FILES) >= 8
    agencies = {load(path)["agency"] for path in FILES}
    assert agencies == {spec["code"] for spec in data.AGENCIES}
    assert len({load(path)["code"] for path in FILES}) == len(FILES)
    for path in FILES:
        assert path.stem == load(path)["code"]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_definition_is_valid_and_complete(path):
    raw = load(path)
    d = parse_definition(raw)  # the schema of desk.definition, with its Persian errors
    # A full public profile, in Persian.
    p = d.profile
    assert PERSIAN.search(d.title) and PERSIAN.search(p.description)
    assert p.eligibility and len(p.steps) >= 3 and p.laws and p.faq and p.complaint_procedure
    assert p.channels and p.responsible_unit and d.keywords and d.category
    # A form of several field types; 2–4 stages.
    assert len({f.type for f in d.form}) >= 2
    assert 2 <= len(d.stages) <= 4
    # Stages on the demo's positions of the same agency; no stage refers a request to its own position.
    positions = demo_positions()
    for stage in d.stages:
        assert positions[stage.position][0] == d.agency, stage.code
        for outcome in stage.outcomes:
            if outcome.next not in TERMINAL:
                assert d.stage(outcome.next).position != stage.position, (stage.code, outcome.code)
    # Every stage is reachable from the first, and some path approves.
    reached, todo = set(), [d.stages[0].code]
    while todo:
        code = todo.pop()
        if code in reached or code in TERMINAL:
            continue
        reached.add(code)
        todo += [o.next for o in d.stage(code).outcomes]
    assert reached == {s.code for s in d.stages}
    assert any(o.next == "approve" for s in d.stages for o in s.outcomes)
    # The result is signed by another position of the agency that may sign.
    signer_agency, can_sign = positions[d.result.signer_position]
    assert signer_agency == d.agency and can_sign
    approving = {s.position for s in d.stages if any(o.next == "approve" for o in s.outcomes)}
    assert d.result.signer_position not in approving
    # The result template names only form fields and the built-in values.
    names = {f.name for f in d.form} | BUILT_IN
    for text in (d.result.title, d.result.body):
        assert set(re.findall(r"\{([a-z_][a-z0-9_]*)\}", text)) <= names
    # What the file says survives a dump and a reload (the export format is the import format).
    assert Definition.model_validate(d.model_dump(mode="json")) == d


def test_a_broken_definition_is_refused_in_persian():
    raw = load(FILES[0])
    raw["stages"][0]["outcomes"][0]["next"] = "nowhere"
    from dabir.core.errors import DomainError

    with pytest.raises(DomainError, match="تعریف خدمت نامعتبر است"):
        parse_definition(raw)


@pytest.mark.django_db
def test_every_file_publishes_and_exports_unchanged(client):
    # The demo's organisation, as far as the definitions need it: agencies, a secretariat, positions.
    by_code = {}
    for spec in data.AGENCIES:
        agency = Agency.objects.create(name=spec["name"], code=spec["code"])
        unit = Unit.objects.create(agency=agency, name="واحد")
        secretariat = Secretariat.objects.create(agency=agency, name="دبیرخانه", code=spec["secretariat"][1])
        by_code[spec["code"]] = (agency, unit, secretariat)
    for code, (agency_code, can_sign) in demo_positions().items():
        Position.objects.create(unit=by_code[agency_code][1], title=code, code=code, can_sign=can_sign)
    for agency, _unit, secretariat in by_code.values():
        DeskProfile.objects.create(agency=agency, secretariat=secretariat,
                                   complaints_position=Position.objects.filter(unit__agency=agency).first())
    for order, (slug, name) in enumerate(desk_demo.CATEGORIES):
        Category.objects.create(slug=slug, name=name, order=order)
    for path in FILES:
        raw = load(path)
        version = services.publish_service(user=None, definition=raw)
        assert version.number == 1 and version.service.title == raw["title"]
        response = client.get(f"/api/desk/services/{raw['code']}/definition")
        assert response.status_code == 200
        exported = response.json()
        assert parse_definition(exported) == parse_definition(raw)
    # Publishing a file again makes a new version; requests keep theirs.
    again = services.publish_service(user=None, definition=load(FILES[0]))
    assert again.number == 2
