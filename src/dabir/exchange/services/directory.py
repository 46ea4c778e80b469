"""The directory: members with their servers, certificates and inquiry types.

One server is the directory authority (DABIR_EXCHANGE_DIRECTORY_AUTHORITY): it publishes every
member it knows as a signed Directory document. Every other server fetches it (`dabir exchange
sync`, and on a schedule), checks the signature against the authority's pinned certificate
fingerprint, and applies it only if its serial is newer than the last one applied. An admin may
also enter a local peer by hand (source «ثبت محلی»); the directory never overwrites this server's
own members.
"""

import base64
import json
import time
import uuid

import httpx
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.signing import keys

from .. import envelope
from ..envelope import q
from ..models import Credential, DirectorySnapshot, InquiryType, Member
from ..names import AuditAction
from ._shared import record


def endpoint() -> str:
    """This server's exchange endpoint, as other servers reach it."""
    return settings.DABIR_EXCHANGE_ENDPOINT or f"{str(settings.DABIR_PUBLIC_URL).rstrip('/')}/exchange/v1/messages"


def publish_directory() -> bytes:
    """The signed directory of every active member this server knows (on the directory authority)."""
    if not settings.DABIR_EXCHANGE_DIRECTORY_AUTHORITY:
        raise NotAllowed("این سرور مرجع فهرست تبادل نیست.", code="not_authority")
    from .credentials import directory_credential

    credential = directory_credential()
    answers: dict[int, list[str]] = {}
    for member_id, code in InquiryType.objects.order_by("code").values_list("member_id", "code"):
        answers.setdefault(member_id, []).append(code)
    members = []
    for m in Member.objects.filter(active=True).exclude(certificate_pem="").order_by("code"):
        cert = keys.load_certificate(m.certificate_pem)
        members.append({
            "code": m.code, "name": m.name, "url": m.server_url or endpoint(), "revoked": m.revoked_at is not None,
            "certificate_der": cert.public_bytes(serialization.Encoding.DER), "answers": answers.get(m.pk, []),
        })
    types = [
        {"code": t.code, "name": t.name, "member": t.member.code, "deadline_hours": t.deadline_hours,
         "description": t.description, "question_schema": json.dumps(t.question_schema, ensure_ascii=False),
         "answer_schema": json.dumps(t.answer_schema, ensure_ascii=False)}
        for t in InquiryType.objects.select_related("member").filter(member__active=True).order_by("code")
    ]
    message_id = uuid.uuid4()
    payload = envelope.directory_payload(
        message_id=message_id, issuer=("directory", settings.DABIR_EXCHANGE_DIRECTORY_NAME),
        serial=time.time_ns() // 1000, members=members, inquiry_types=types,
    )
    key = keys.decrypt_private_key(credential.private_key_pem)
    return envelope.sign(payload, message_id=message_id, kind="directory", sender="directory", receiver="all",
                         key=key, certificate=keys.load_certificate(credential.certificate_pem))


def authority_fingerprint() -> str:
    pinned = (settings.DABIR_EXCHANGE_DIRECTORY_FINGERPRINT or "").lower().replace(":", "")
    if pinned:
        return pinned
    own = Credential.objects.filter(kind=Credential.Kind.DIRECTORY, revoked_at__isnull=True).first()
    return own.fingerprint if own else ""


@transaction.atomic
def import_directory(*, data: bytes, user=None) -> DirectorySnapshot:
    """Check a signed directory and apply it (members and inquiry types of other servers)."""
    opened = envelope.open_message(data)
    if opened.kind != "directory":
        raise envelope.Refused("این سند فهرست تبادل نیست.", code="schema")
    pinned = authority_fingerprint()
    if not pinned or opened.fingerprint != pinned:
        raise envelope.Refused("فهرست با گواهی مرجع فهرستِ شناخته‌شده امضا نشده است.", code="directory_signer")
    root = opened.root
    serial = int(root.get("serial"))
    last = DirectorySnapshot.objects.order_by("-serial").first()
    if last is not None and serial <= last.serial:
        if serial == last.serial and last.sha256 == keys.sha256_hex(opened.payload):
            return last  # the same directory again
        raise Conflict("این نسخه فهرست از نسخه اعمال‌شده کهنه‌تر است.", code="directory_old")
    now = timezone.now()
    seen = set()
    for node in root.findall(q("Member")):
        code = node.get("code")
        seen.add(code)
        existing = Member.objects.filter(code=code).first()
        if existing is not None and existing.agency_id is not None:
            continue  # this server's own members are kept by this server
        cert = x509.load_der_x509_certificate(base64.b64decode(node.findtext(q("Certificate"))))
        Member.objects.update_or_create(code=code, defaults={
            "name": node.get("name"), "server_url": node.get("url"), "certificate_pem": keys.certificate_pem(cert),
            "fingerprint": keys.fingerprint(cert), "not_after": cert.not_valid_after_utc,
            "revoked_at": (existing.revoked_at if existing and existing.revoked_at else now)
            if node.get("revoked") == "true" else None,
            "inquiry_types": [a.text for a in node.findall(q("Answers"))],
            "source": Member.Source.DIRECTORY, "active": True, "updated_at": now,
        })
    Member.objects.filter(source=Member.Source.DIRECTORY, agency__isnull=True).exclude(code__in=seen).update(
        active=False, updated_at=now)
    for node in root.findall(q("InquiryType")):
        member = Member.objects.filter(code=node.get("member")).first()
        if member is None or member.agency_id is not None:
            continue
        try:
            question, answer = json.loads(node.findtext(q("QuestionSchema"))), json.loads(node.findtext(q("AnswerSchema")))
        except ValueError as exc:
            raise envelope.Refused("شِمای یک نوع استعلام JSON درستی نیست.", code="schema") from exc
        InquiryType.objects.update_or_create(code=node.get("code"), defaults={
            "name": node.get("name"), "member": member, "question_schema": question, "answer_schema": answer,
            "description": node.findtext(q("Description")) or "", "deadline_hours": int(node.get("deadlineHours")),
        })
    snapshot = DirectorySnapshot.objects.create(serial=serial, sha256=keys.sha256_hex(opened.payload), members=len(seen))
    record(AuditAction.EXCHANGE_SYNC_DIRECTORY, snapshot, user, {"serial": serial, "members": len(seen)})
    return snapshot


def sync_directory(*, user=None) -> DirectorySnapshot:
    """Fetch the directory from the authority and apply it."""
    url = settings.DABIR_EXCHANGE_DIRECTORY_URL
    if not url:
        raise Conflict("نشانی مرجع فهرست تبادل (DABIR_EXCHANGE_DIRECTORY_URL) تنظیم نشده است.", code="no_directory")
    try:
        response = httpx.get(url, timeout=settings.DABIR_EXCHANGE_TIMEOUT)
    except httpx.HTTPError as exc:
        raise Conflict(f"مرجع فهرست در دسترس نیست: {exc.__class__.__name__}", code="directory_unreachable") from exc
    if response.status_code != 200:
        raise Conflict(f"مرجع فهرست پاسخ {response.status_code} داد.", code="directory_unreachable")
    return import_directory(data=response.content, user=user)


@transaction.atomic
def save_member(*, user, code: str, name: str, server_url: str = "", certificate_pem: str = "",
                active: bool = True, agency=None) -> Member:
    """An admin enters or edits a member: a local peer of another server, or an agency of this one."""
    if user is not None and not user.is_superuser:
        raise NotAllowed("ثبت اعضای شبکه تبادل با مدیر کل سامانه است.")
    code = (code or "").strip().lower()
    if not code or len(code) > 64 or not all(c.isalnum() or c in "._-" for c in code) or not code.isascii():
        raise DomainError("شناسه تبادل باید با حروف کوچک لاتین، رقم، نقطه یا خط تیره باشد.", field="code")
    name = (name or "").strip()[:200]
    if not name:
        raise DomainError("نام دستگاه را بنویسید.", field="name")
    defaults = {"name": name, "active": active, "updated_at": timezone.now()}
    if agency is not None:
        defaults.update(agency=agency, server_url="")
    else:
        if not server_url.startswith(("https://", "http://")):
            raise DomainError("نشانی سرور تبادل باید با https:// آغاز شود.", field="server_url")
        defaults.update(server_url=server_url.strip(), source=Member.Source.LOCAL)
    if certificate_pem:
        try:
            cert = keys.load_certificate(certificate_pem.strip())
        except ValueError as exc:
            raise DomainError("گواهی تبادل PEM درستی نیست.", field="certificate_pem") from exc
        defaults.update(certificate_pem=keys.certificate_pem(cert), fingerprint=keys.fingerprint(cert),
                        not_after=cert.not_valid_after_utc, revoked_at=None)
    member, _ = Member.objects.update_or_create(code=code, defaults=defaults)
    record(AuditAction.EXCHANGE_SAVE_MEMBER, member, user, {"code": code, "server_url": member.server_url,
                                                           "fingerprint": member.fingerprint})
    return member


def join_agency(*, user=None, agency, code: str = "") -> Member:
    """Make an agency of this server a member of the exchange, with its exchange certificate."""
    from .credentials import issue_credential

    with transaction.atomic():
        member = Member.objects.filter(agency=agency).first()
        if member is None:
            member = save_member(user=user, code=code or agency.code, name=agency.name, agency=agency)
        if not member.certificate_pem or member.revoked_at is not None:
            issue_credential(user=user, member=member)
            member.refresh_from_db()
    return member
