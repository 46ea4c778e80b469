"""The desk's admin screens keep to the desk's access policy: a request or complaint (national code,
mobile, answers) is shown only to whoever may see it on the desk's own pages, superusers and agency
admins included, and a letter only by its number, never by its subject.

Given a request referred to the expert and a complaint referred to the manager, when a superuser and an
agency admin outside that chain open the admin's lists and change pages, then neither the tracking codes
nor the citizen's data appear; the expert (staff) sees the request, its letter by number only."""

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dabir.desk import codes, services

from ..factories import make_user
from .test_services import make_citizen, setup_desk, submit

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _agency_admin(world):
    user = make_user("agencyadmin", is_staff=True)
    world.agency.admins.add(user)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="desk", codename__in=["view_servicerequest", "view_complaint"]))
    return user


@pytest.fixture
def filed(world):
    service = setup_desk(world)
    citizen = make_citizen()
    req = submit(service, citizen)
    complaint = services.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                        about="request", agency=world.agency, text="پاسخ نمی‌دهند", request=req)
    return req, complaint


@pytest.mark.parametrize("who", ["superuser", "agency_admin"])
def test_admins_outside_the_chain_see_no_requests_or_complaints(world, filed, who):
    req, complaint = filed
    user = make_user("root", is_staff=True, is_superuser=True) if who == "superuser" else _agency_admin(world)
    client = _client(user)
    for url, obj in (("/admin/desk/servicerequest/", req), ("/admin/desk/complaint/", complaint)):
        listing = client.get(url)
        assert listing.status_code == 200
        html = listing.content.decode()
        assert codes.display(obj.tracking_code) not in html and obj.national_code not in html
        change = client.get(f"{url}{obj.pk}/change/", follow=True)
        html = change.content.decode()
        assert obj.national_code not in html and obj.mobile not in html
        assert req.letter.subject not in html


def test_the_referred_expert_sees_the_request_and_its_letter_by_number_only(world, filed):
    req, complaint = filed
    world.expert.is_staff = True
    world.expert.save()
    world.expert.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="desk", codename__in=["view_servicerequest", "view_complaint"]))
    client = _client(world.expert)
    assert codes.display(req.tracking_code) in client.get("/admin/desk/servicerequest/").content.decode()
    html = client.get(f"/admin/desk/servicerequest/{req.pk}/change/").content.decode()
    assert req.national_code in html  # the request itself is theirs to see
    assert req.letter.number and req.letter.number in html
    assert req.letter.subject not in html  # the letter by its number, never drawn with its subject
    # The complaint went to the manager, not the expert.
    assert codes.display(complaint.tracking_code) not in client.get("/admin/desk/complaint/").content.decode()


def test_the_complaints_manager_sees_the_complaint_without_its_letters_subject(world, filed):
    _, complaint = filed
    world.manager.is_staff = True
    world.manager.save()
    world.manager.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="desk", codename="view_complaint"))
    client = _client(world.manager)
    assert codes.display(complaint.tracking_code) in client.get("/admin/desk/complaint/").content.decode()
    html = client.get(f"/admin/desk/complaint/{complaint.pk}/change/").content.decode()
    assert complaint.national_code in html and complaint.letter.subject not in html


def _changelist_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_request_list_costs_the_same_queries_for_two_rows_as_for_ten(world):
    service = setup_desk(world)
    world.expert.is_staff = True
    world.expert.save()
    world.expert.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="desk", codename__in=["view_servicerequest", "view_complaint"]))
    client = _client(world.expert)
    for i in range(2):
        submit(service, make_citizen(30000000 + i, f"0912300000{i}"))
    two = _changelist_queries(client, "/admin/desk/servicerequest/")
    for i in range(2, 10):
        submit(service, make_citizen(30000000 + i, f"0912300000{i}"))
    assert _changelist_queries(client, "/admin/desk/servicerequest/") == two
