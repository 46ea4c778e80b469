"""Reads of the signing app: verification codes, pending signatures, certificates of a user."""

from django.db.models import Exists, OuterRef

from dabir.core.errors import DomainError, NotFound
from dabir.letters.models import Status
from dabir.letters.policy import visible_letters

from . import codes
from .models import Certificate, LetterVersion, Signature, SignatureImage, SigningStep

CLOSED = [Status.VOID, Status.ARCHIVED, Status.CLOSED]


def parse_code(text: str) -> str:
    """The typed code in its stored form; a malformed code or a wrong check symbol is refused here."""
    code = codes.normalize_code(text)
    if not code:
        raise DomainError("کد صحت‌سنجی را وارد کنید.", field="code", code="code_empty")
    if len(code) != codes.LENGTH or any(ch not in codes.ALPHABET for ch in code):
        raise DomainError(
            f"کد صحت‌سنجی {codes.LENGTH} نویسه از ارقام ۲ تا ۹ و حروف لاتین است؛ کد واردشده درست نیست.",
            field="code", code="code_malformed",
        )
    if not codes.is_valid(code):
        raise DomainError("کد صحت‌سنجی نادرست است (نویسه کنترلی نمی‌خواند)؛ آن را دوباره بخوانید.", field="code",
                          code="code_check")
    return code


def version_by_code(text: str) -> LetterVersion:
    """The version a (typed or scanned) verification code names; NotFound when unknown."""
    code = parse_code(text)
    version = (
        LetterVersion.objects.select_related("letter__agency", "letter__signer_position__unit")
        .filter(code=code)
        .first()
    )
    if version is None:
        raise NotFound("نامه‌ای با این کد صحت‌سنجی پیدا نشد.", field="code")
    return version


def versions_of(letter) -> list[LetterVersion]:
    return list(letter.versions.order_by("number").prefetch_related("signatures"))


def signatures_of(version: LetterVersion):
    return version.signatures.select_related("position__unit", "user", "certificate__authority").order_by(
        "order", "id"
    )


def signature_of(letter, position_id: int):
    """The position's signature on the letter's newest version (what an approval just made)."""
    return (
        Signature.objects.filter(version__letter=letter, position_id=position_id)
        .select_related("version", "position__unit", "certificate")
        .order_by("-version__number", "-id")
        .first()
    )


def circuit(letter):
    return letter.signing_steps.select_related("position__unit", "acted_by").order_by("order")


def pending_signatures(user, position_id: int):
    """Letters waiting for this position's signature now (its turn in the circuit): the inbox "for signature".

    Only letters the user may open (the letters' access policy): no list shows a link that answers 404."""
    earlier_open = SigningStep.objects.filter(letter=OuterRef("letter"), order__lt=OuterRef("order")).exclude(
        state=SigningStep.State.SIGNED
    )
    turns = (
        SigningStep.objects.filter(position_id=position_id, state=SigningStep.State.PENDING)
        .annotate(blocked=Exists(earlier_open))
        .filter(blocked=False)
        .values("letter_id")
    )
    # A draft's circuit is set while it is written; it waits for signatures only once submitted.
    return (
        visible_letters(user).filter(id__in=turns)
        .exclude(status__in=[*CLOSED, Status.DRAFT])
        .select_related("agency", "author_position")
        .order_by("-created_at")
    )


def certificates_for_positions(position_ids):
    return (
        Certificate.objects.filter(position_id__in=list(position_ids))
        .select_related("position__unit", "authority")
        .order_by("position_id", "-not_before")
    )


def certificate_by_serial(serial: str) -> Certificate:
    text = codes.to_latin_digits(str(serial or "")).strip().lower().replace(":", "")
    if text.startswith("0x"):
        text = text[2:]
    text = text.lstrip("0") or "0"
    cert = Certificate.objects.select_related("position__unit__agency", "authority").filter(serial=text).first()
    if cert is None:
        raise NotFound("گواهی‌ای با این شماره سریال پیدا نشد.", field="serial")
    return cert


def signature_image(position_id: int) -> SignatureImage | None:
    return SignatureImage.objects.filter(position_id=position_id).order_by("-uploaded_at", "-id").first()
