"""Reads of the secretariat's exchange pages; who sees what is always asked of exchange.policy."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from . import policy
from .models import Arrival, Delivery, TransferState

ARRIVAL_STATES = [(s.value, s.label) for s in Arrival.State]

# The states a sender follows a recipient by, in the order a letter goes through them.
SENT_STATES = [
    ("queued", "در صف"), ("sent", "ارسال شد"), ("delivered", "تحویل شد"),
    ("registered", "ثبت شد"), ("returned", "برگشت خورد"), ("failed", "ناموفق"),
]


def arrivals_queue(user, state: str = "") -> QuerySet:
    """The receiving secretariat's queue: pending first, then newest first."""
    rows = policy.arrivals_of(user).select_related("sender", "letter")
    if state:
        rows = rows.filter(state=state)
    pending_first = Case(When(state=Arrival.State.PENDING, then=Value(0)), default=Value(1),
                         output_field=IntegerField())
    return rows.order_by(pending_first, "-received_at", "-id")


def arrival_for(user, arrival_id: int) -> Arrival:
    """An arrival the user may see; 404 otherwise (whether it exists is nobody else's business)."""
    return get_object_or_404(policy.arrivals_of(user).select_related("sender", "agency", "message", "letter"),
                             pk=arrival_id)


def pending_count(user) -> int:
    return policy.arrivals_of(user).filter(state=Arrival.State.PENDING).count()


def _state_filter(state: str) -> Q:
    if state in (Delivery.Outcome.REGISTERED, Delivery.Outcome.RETURNED):
        return Q(outcome=state)
    return Q(outcome="", transfer__state=state)


def sent_items(user, state: str = "") -> QuerySet:
    """Deliveries of the letters of the user's secretariats, newest first."""
    rows = policy.sent_by(user).select_related("letter", "member", "transfer")
    if state in dict(SENT_STATES):
        rows = rows.filter(_state_filter(state))
    return rows.order_by("-transfer__created_at", "-id")


def failed_count(user) -> int:
    return policy.sent_by(user).filter(_state_filter(TransferState.FAILED)).count()


def delivery_for_retry(user, transfer_id: int) -> Delivery:
    return get_object_or_404(policy.sent_by(user).select_related("transfer", "letter"), transfer_id=transfer_id)


def verification(arrival: Arrival) -> dict:
    """Check again, on screen, what was checked on receipt: the message signature and its certificate
    against the sender's directory entry, the files' hashes, and the signed PDF's own signatures.

    Returns the opened message (None when it no longer opens), its files, and (ok, message) checks.
    """
    from cryptography.x509.oid import NameOID

    from dabir.signing.pdf import check_uploaded_pdf

    from . import envelope
    from .services.arrivals import opened

    checks: list[tuple[bool, str]] = []
    out = {"message": None, "document": None, "attachments": [], "checks": checks, "pdf_checks": [],
           "subject": "", "fingerprint": ""}
    try:
        message = opened(arrival)
    except envelope.Refused as exc:
        checks.append((False, f"پیام ثبت‌شده دیگر باز نمی‌شود: {exc.message}"))
        return out
    out["message"] = message
    subject = message.certificate.subject
    org = [a.value for a in subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    common = [a.value for a in subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    out["subject"] = org[0] if org else (common[0] if common else subject.rfc4514_string())
    out["subject_code"] = common[0] if org and common else ""
    out["not_after"] = message.certificate.not_valid_after_utc
    out["fingerprint"] = message.fingerprint
    checks.append((True, "امضای پیام با گواهی همراه آن بر روی همان بایت‌های دریافت‌شده درست است."))
    sender = arrival.sender
    if sender.fingerprint and message.fingerprint == sender.fingerprint:
        checks.append((True, f"گواهی پیام همان گواهی «{sender.name}» در فهرست شبکه تبادل است."))
    else:
        checks.append((False, f"گواهی پیام با گواهی «{sender.name}» در فهرست شبکه تبادل نمی‌خواند."))
    if sender.revoked_at:
        checks.append((False, "گواهی تبادل فرستنده در فهرست باطل شده است."))
    try:
        document, attachments = envelope.files_of(message.root)
    except envelope.Refused as exc:
        checks.append((False, exc.message))
        return out
    checks.append((True, "چکیده SHA-256 نامه و همه پیوست‌ها با آنچه در پیام امضا شده یکی است."))
    out["document"], out["attachments"] = document, attachments
    report = check_uploaded_pdf(document.content)
    # A PDF issued on another server is not in this one's records; that check says nothing here.
    out["pdf_checks"] = [(ok, text) for part, ok, text in report.checks
                         if sender.is_local or part != "issued"]
    return out


def directory_names() -> list[str]:
    """The active members' names, as the compose form suggests them for outside recipients."""
    from .models import Member

    return list(Member.objects.filter(active=True).values_list("name", flat=True))
