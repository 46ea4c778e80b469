"""The signing API over real HTTP: authorities, certificates, CRL, images, circuit, sign, reject, verification."""

import base64

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from django.test import Client

from dabir.letters import services as letters
from dabir.orgs.services import make_agency_admin
from dabir.signing import keys, services
from dabir.signing.models import Authority, Certificate, Signature
from tests.factories import PDF_BYTES, PNG_BYTES, make_draft, make_position, make_user
from tests.letters.test_api_helpers import Api, assert_problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(world):
    user = make_user(first_name="مدیر", last_name="سامانه")
    make_agency_admin(actor=None, user=user, agency=world.agency)
    return user


def submitted(world, **kw):
    letter = make_draft(world, **kw)
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    return letter


def no_private_key(response):
    text = response.content.decode("utf-8", "replace")
    assert "PRIVATE KEY" not in text
    return response


def test_admin_sets_up_the_ca_issues_and_revokes_and_the_crl_is_public(world, admin):
    api = Api(admin)
    r = no_private_key(api.post("/api/signing/authorities", {"agency_id": str(world.agency.id), "name": "مرجع آزمون"}))
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["kind"] == "agency" and body["certificate_pem"].startswith("-----BEGIN CERTIFICATE-----")
    assert_problem(api.post("/api/signing/authorities", {"agency_id": world.agency.id}), 409)

    r = no_private_key(api.post("/api/signing/certificates", {"position_id": "۱".replace("۱", str(world.manager_pos.id)),
                                                             "days": "۳۶۵"}))
    assert r.status_code == 201, r.content
    cert = r.json()
    assert cert["status"] == "valid" and cert["has_key"] and cert["position"]["id"] == world.manager_pos.id

    # the holder lists their own certificates; the admin lists the agency's
    mine = no_private_key(Api(world.manager).get("/api/signing/certificates"))
    assert [c["serial"] for c in mine.json()] == [cert["serial"]]
    assert Api(world.expert).get("/api/signing/certificates").json() == []
    assert len(no_private_key(api.get("/api/signing/certificates", {"agency_id": world.agency.id})).json()) == 1
    assert_problem(Api(world.expert).get("/api/signing/certificates", {"agency_id": world.agency.id}), 403)

    r = api.post(f"/api/signing/certificates/{cert['serial'].upper()}/revoke", {"reason": "key_compromise"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "revoked" and r.json()["revoked_at"]
    assert_problem(api.post(f"/api/signing/certificates/{cert['serial']}/revoke", {}), 409)
    assert_problem(api.post("/api/signing/certificates/ffff/revoke", {}), 404)

    crl_response = Client().get(f"/api/signing/crl/{world.agency.code}.crl")  # no sign-in
    assert crl_response.status_code == 200
    assert crl_response["Content-Type"] == "application/pkix-crl"
    crl = x509.load_der_x509_crl(crl_response.content)
    assert crl.get_revoked_certificate_by_serial_number(int(cert["serial"], 16)) is not None
    assert crl.is_signature_valid(keys.load_certificate(body["certificate_pem"]).public_key())
    assert_problem(Client().get("/api/signing/crl/NOPE"), 404)


def test_only_admins_manage_authorities_and_certificates(world, admin):
    api = Api(world.manager)
    assert_problem(api.post("/api/signing/authorities", {"agency_id": world.agency.id}), 403)
    services.create_authority(agency=world.agency)
    assert_problem(api.post("/api/signing/certificates", {"position_id": world.manager_pos.id}), 403)
    assert_problem(api.post("/api/signing/certificates", {"position_id": 999999}), 404)
    assert_problem(api.post("/api/signing/certificates", {"position_id": "abc"}), 422)
    assert_problem(Client().post("/api/signing/authorities", {}, content_type="application/json"), 401)


def test_import_national_root_and_a_pkcs12_certificate(world, admin):
    api = Api(admin)
    root_cert, root_key = keys.build_ca(agency_name="دولت", common_name="مرجع ملی")
    r = api.post("/api/signing/authorities/import",
                 {"agency_id": world.agency.id, "certificate_pem": keys.certificate_pem(root_cert)})
    assert r.status_code == 201, r.content
    assert r.json()["kind"] == "external"
    cert, key = keys.build_position_certificate(
        ca_cert=root_cert, ca_key=root_key, common_name="علی مدیری — مدیرکل", agency_name="استانداری"
    )
    p12 = pkcs12.serialize_key_and_certificates(b"a", key, cert, [root_cert],
                                                serialization.BestAvailableEncryption(b"secret"))
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = no_private_key(api.multipart("/api/signing/certificates/import", {
        "position_id": str(world.manager_pos.id), "password": "secret",
        "file": SimpleUploadedFile("ali.p12", p12, content_type="application/x-pkcs12"),
    }))
    assert r.status_code == 201, r.content
    assert r.json()["imported"] and r.json()["has_key"]
    bad = api.multipart("/api/signing/certificates/import", {
        "position_id": str(world.manager_pos.id), "password": "wrong",
        "file": SimpleUploadedFile("ali.p12", p12),
    })
    assert_problem(bad, 400)
    assert_problem(api.post("/api/signing/certificates/import", {"position_id": world.manager_pos.id}), 400)
    garbage = api.post("/api/signing/authorities/import", {"agency_id": world.agency.id, "certificate_pem": "xx"})
    assert_problem(garbage, 400)


def test_signature_image_upload(world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    api = Api(world.manager)
    r = api.multipart("/api/signing/signature-image", {"image": SimpleUploadedFile("sig.png", PNG_BYTES)})
    assert r.status_code == 201, r.content
    assert r.json()["position_id"] == world.manager_pos.id
    bad = api.multipart("/api/signing/signature-image", {"image": SimpleUploadedFile("sig.png", PDF_BYTES)})
    assert "PNG" in assert_problem(bad, 400)["detail"]
    other = api.multipart("/api/signing/signature-image",
                          {"image": SimpleUploadedFile("sig.png", PNG_BYTES), "position_id": world.expert_pos.id})
    assert_problem(other, 403)


def test_circuit_sign_reject_and_verification_report(world):
    services.create_authority(agency=world.agency)
    deputy = make_user(first_name="حسن", last_name="معاون")
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    for pos in (world.manager_pos, deputy_pos):
        services.issue_certificate(position=pos)
    letter = submitted(world)
    author, manager, dep = Api(world.expert), Api(world.manager), Api(deputy)

    r = author.put(f"/api/signing/letters/{letter.id}/circuit", {"positions": [world.manager_pos.id, deputy_pos.id]})
    assert r.status_code == 200, r.content
    assert [s["position"]["id"] for s in r.json()] == [world.manager_pos.id, deputy_pos.id]
    assert_problem(author.put(f"/api/signing/letters/{letter.id}/circuit", {"positions": [world.other_pos.id]}), 400)

    assert [x["id"] for x in manager.get("/api/signing/pending").json()] == [letter.id]
    assert dep.get("/api/signing/pending").json() == []
    assert_problem(dep.post(f"/api/signing/letters/{letter.id}/sign", {}), 403)  # not their turn

    r = manager.post(f"/api/signing/letters/{letter.id}/sign", {})
    assert r.status_code == 201, r.content
    first = r.json()
    assert first["order"] == 1 and first["version"] == 1 and not first["timestamped"]
    assert "PRIVATE KEY" not in r.content.decode()

    assert_problem(dep.post(f"/api/signing/letters/{letter.id}/reject", {"note": ""}), 400)
    r = dep.post(f"/api/signing/letters/{letter.id}/reject", {"note": "امضای من لازم نیست؟"})
    assert r.status_code == 200 and r.json()["state"] == "rejected"
    # returned to its author as a draft (the same act as the page's «بازگرداندن به نویسنده»)
    assert manager.get("/api/signing/pending").json() == []
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    assert [x["id"] for x in manager.get("/api/signing/pending").json()] == [letter.id]
    assert manager.post(f"/api/signing/letters/{letter.id}/sign", {}).status_code == 201
    r = dep.post(f"/api/signing/letters/{letter.id}/sign", {})
    assert r.status_code == 201, r.content

    report = author.get(f"/api/signing/letters/{letter.id}/verification")
    assert report.status_code == 200, report.content
    body = report.json()
    assert body["ok"] is True
    (version,) = body["versions"]
    assert version["failed"] == [] and len(version["signers"]) == 2
    assert {c["part"] for c in version["checks"]} >= {"content", "attachments", "signature", "certificate"}
    assert [s["state"] for s in body["circuit"]] == ["signed", "signed"]

    # a flipped byte in the stored signature shows up in the report, by part
    sig = Signature.objects.get(pk=r.json()["id"])
    raw = bytearray(base64.b64decode(sig.value))
    raw[-2] ^= 0x01
    Signature.objects.filter(pk=sig.pk).update(value=base64.b64encode(bytes(raw)).decode())
    body = author.get(f"/api/signing/letters/{letter.id}/verification").json()
    assert body["ok"] is False and body["versions"][0]["failed"] == ["signature"]

    # someone who may not see the letter gets the same 404 as for a missing one
    outsider = make_user()
    world_pos = make_position(world.unit, "بیرونی", holder=outsider)
    assert world_pos
    assert_problem(Api(outsider).get(f"/api/signing/letters/{letter.id}/verification"), 404)


def test_sign_without_certificate_is_a_persian_problem(world):
    services.create_authority(agency=world.agency)
    letter = submitted(world)
    body = assert_problem(Api(world.manager).post(f"/api/signing/letters/{letter.id}/sign", {}), 400)
    assert "گواهی" in body["detail"]


def test_private_keys_never_appear_in_the_admin(world, admin):
    services.create_authority(agency=world.agency)
    cert = services.issue_certificate(position=world.manager_pos)
    letter = submitted(world)
    services.sign(user=world.manager, seat=world.seat(world.manager_pos), letter=letter)
    superuser = make_user(is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(superuser)
    authority = Authority.objects.get(agency=world.agency)
    pages = [
        "/admin/signing/authority/", f"/admin/signing/authority/{authority.pk}/change/",
        "/admin/signing/certificate/", f"/admin/signing/certificate/{cert.pk}/change/",
        "/admin/signing/letterversion/", "/admin/signing/signature/",
    ]
    for url in pages:
        r = client.get(url)
        assert r.status_code == 200, url
        assert b"PRIVATE KEY" not in r.content, url
    assert Certificate.objects.get(pk=cert.pk).private_key_pem  # it is there, only never shown
