"""publish_service and categories: a known slug or name, a new Persian name, an unknown slug refused."""

import pytest

from dabir.core.errors import DomainError
from dabir.desk import services
from dabir.desk.models import Category, Service
from tests.letters.test_api_helpers import Api, assert_problem

from .test_services import definition, setup_desk

pytestmark = pytest.mark.django_db


def test_unknown_slug_is_refused_naming_it(world):
    setup_desk(world)  # makes the «building» category
    d = definition(world, code="permit-x", category="roads")
    with pytest.raises(DomainError) as exc:
        services.publish_service(user=None, definition=d)
    assert exc.value.field == "category" and "«roads»" in exc.value.message and "building" in exc.value.message
    assert not Category.objects.filter(slug="roads").exists()
    assert not Service.objects.filter(code="permit-x").exists()


def test_known_slug_or_name_is_used(world):
    service = setup_desk(world)
    assert service.category.slug == "building"
    by_name = services.publish_service(user=None, definition=definition(world, code="permit-y", category="ساختمان"))
    assert by_name.service.category == service.category
    assert Category.objects.count() == 1


def test_a_persian_name_makes_a_category(world):
    setup_desk(world)
    v = services.publish_service(user=None, definition=definition(world, code="permit-z", category="حمل و نقل شهری"))
    category = v.service.category
    assert category.name == "حمل و نقل شهری" and category.slug == "حمل-و-نقل-شهری"
    # publishing again reuses it
    again = services.publish_service(user=None, definition=definition(world, code="permit-z", category="حمل و نقل شهری"))
    assert again.service.category == category and Category.objects.filter(name="حمل و نقل شهری").count() == 1


def test_the_api_answers_an_unknown_category_in_persian(world):
    setup_desk(world)
    world.agency.admins.add(world.manager)
    body = assert_problem(Api(world.manager).post("/api/desk/definitions",
                                                  definition(world, code="permit-w", category="roads")), 400)
    assert "«roads»" in body["detail"] and body["errors"][0]["field"] == "category"
