"""The letter page shows the signing circuit, the verification code and the PDF of a signed letter."""

import pytest
from django.test import Client
from django.urls import reverse

from dabir.letters import services
from dabir.signing import services as signing

from ..factories import make_draft


@pytest.mark.django_db
def test_signed_letter_page_shows_circuit_code_and_pdf(world):
    # given an agency with a signing authority and a certificate for the manager
    world.agency.name = "استانداری آزمون خوزستان"
    world.agency.save(update_fields=["name"])
    signing.create_authority(agency=world.agency, name="مرجع گواهی آزمون")
    signing.issue_certificate(position=world.manager_pos)
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)

    # when the manager opens it, it waits for their signature and the approve button is there
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert "زنجیره امضا" in page and "در انتظار امضا" in page
    assert reverse("letter_approve", args=[letter.id]) in page

    # when they approve, the approval is a digital signature with a public code
    services.approve(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    version = signing.current_version(letter)
    page = client.get(reverse("letter_detail", args=[letter.id])).content.decode()
    assert "امضای دیجیتال" in page
    assert version.code in page and reverse("verify_code", args=[version.code]) in page
    assert reverse("letter_pdf", args=[letter.id]) in page
    pdf = client.get(reverse("letter_pdf", args=[letter.id]))
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")


@pytest.mark.django_db
def test_agency_with_an_authority_refuses_approval_without_a_certificate(world):
    signing.create_authority(agency=world.agency, name="مرجع گواهی آزمون")
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    client = Client()
    client.force_login(world.manager)
    # the page answers with a Persian refusal and the letter still waits for a signature
    answer = client.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""})
    assert answer.status_code == 400
    assert "گواهی امضای معتبری ندارد" in answer.content.decode()
    letter.refresh_from_db()
    assert letter.status == "awaiting_signature"
