"""The Django admin goes through the letters' access policy: an agency admin or a superuser who is not
in a confidential letter's chain finds none of its content on any letter or signing screen
(changelist or change view), while a clerk of its secretariat who is staff does."""

import pytest
from django.test import Client

from dabir.letters import services as letters
from dabir.letters.models import PrintRecord
from dabir.orgs.services import make_agency_admin
from dabir.signing import services
from dabir.signing.models import LetterVersion, Signature, SigningStep
from tests.factories import make_draft, make_user

pytestmark = pytest.mark.django_db

SUBJECT = "برنامه محرمانه جابه‌جایی نیروها"


@pytest.fixture
def secret(world):
    """A confidential letter written by the expert, digitally signed by the manager, numbered, printed."""
    services.create_authority(agency=world.agency)
    services.issue_certificate(position=world.manager_pos)
    letter = make_draft(world, subject=SUBJECT, classification="confidential", body="<p>متن سری بند یکم</p>")
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    letters.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    letters.register_letter(user=world.clerk, letter=letter)
    letters.record_print(user=world.expert, letter=letter)
    letter.refresh_from_db()
    return letter


def _screens(letter) -> list[str]:
    version = LetterVersion.objects.get(letter=letter)
    step = SigningStep.objects.get(letter=letter)
    signature = Signature.objects.get(version=version)
    printed = PrintRecord.objects.get(letter=letter)
    return [
        "/admin/letters/letter/", f"/admin/letters/letter/{letter.pk}/change/",
        "/admin/letters/printrecord/", f"/admin/letters/printrecord/{printed.pk}/change/",
        "/admin/signing/letterversion/", f"/admin/signing/letterversion/{version.pk}/change/",
        "/admin/signing/signingstep/", f"/admin/signing/signingstep/{step.pk}/change/",
        "/admin/signing/signature/", f"/admin/signing/signature/{signature.pk}/change/",
    ]


def _leaks(client: Client, letter) -> list[str]:
    found = []
    version = LetterVersion.objects.get(letter=letter)
    for url in _screens(letter):
        response = client.get(url, follow=True)
        # 403: no admin right on that screen at all, which shows nothing either
        assert response.status_code in (200, 403), url
        html = response.content.decode()
        if SUBJECT in html or letter.number in html or version.content_sha256 in html or version.code in html:
            found.append(url)
    return found


def _staff(user=None, **extra):
    user = user or make_user(**extra)
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    client = Client()
    client.force_login(user)
    return client


def test_an_agency_admin_outside_the_chain_sees_nothing_of_a_confidential_letter(world, secret):
    admin = make_user(first_name="مدیر", last_name="سامانه")
    make_agency_admin(actor=None, user=admin, agency=world.agency)
    client = Client()
    client.force_login(admin)
    assert _leaks(client, secret) == []
    # the signing screens do open for an agency admin (what leaked before): they list no letter of it
    assert client.get("/admin/signing/letterversion/").status_code == 200


def test_a_superuser_outside_the_chain_sees_nothing_of_it_either(world, secret):
    client = _staff(is_superuser=True)
    assert _leaks(client, secret) == []


def test_a_superuser_in_the_chain_or_secretariat_sees_it(world, secret):
    # The same screens do show it to whoever the policy lets see it: the checks above are not vacuous.
    world.clerk.is_superuser = True
    world.clerk.save(update_fields=["is_superuser"])
    client = _staff(world.clerk)
    assert len(_leaks(client, secret)) == len(_screens(secret))

