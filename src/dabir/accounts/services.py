import datetime as dt
import hashlib
import math
import secrets
from dataclasses import dataclass
from urllib.parse import urlparse

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from dabir.core import audit, ratelimit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import to_latin_digits, to_persian_digits
from dabir.core.validators import validate_mobile, validate_national_code

from .models import ApiToken, OneTimeCode, User
from .names import AuditAction, SmsKind


@transaction.atomic
def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[4:12])
    audit.record(action=AuditAction.API_TOKEN_ISSUE, obj=token, actor=user, data={"name": name})
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record(action=AuditAction.API_TOKEN_REVOKE, obj=token, actor=actor)


# ---------------------------------------------------------------- citizen sign-in with an SMS code
#
# A citizen types their national code and mobile; request_otp() stores an HMAC of a fresh
# six-digit code and queues the SMS in the same transaction; verify_otp() checks the code once
# and returns the citizen's account (created on first sign-in, username "c<national code>").
# Rate limits count OneTimeCode rows (not a cache), so they hold across processes; on
# PostgreSQL an advisory lock per mobile and per address makes "count, then insert" atomic,
# on SQLite the immediate transaction does.

OTP_LENGTH = 6


def _conf(name: str) -> int:
    """One of the DABIR_OTP_* settings (lifetime, attempts, gaps and hourly limits; see settings.py)."""
    return int(getattr(settings, name))


class TooManyRequests(DomainError):
    """A rate limit refused the request; `retry_after` says in how many seconds to try again."""

    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, field: str | None = None):
        super().__init__(message, field=field)
        self.retry_after = retry_after


def otp_hash(*, national_code: str, mobile: str, code: str) -> str:
    """HMAC of the code, keyed by the site's secret and bound to the national code and mobile."""
    return salted_hmac("dabir.accounts.otp", f"{national_code}:{mobile}:{code}", algorithm="sha256").hexdigest()


def _wait_text(seconds: int) -> str:
    seconds = max(1, int(seconds))
    if seconds <= 90:
        return f"{to_persian_digits(seconds)} ثانیه"
    return f"{to_persian_digits(math.ceil(seconds / 60))} دقیقه"


def otp_validity_text() -> str:
    """How long a code stays valid, in Persian words and digits (e.g. «۲ دقیقه»)."""
    return _wait_text(_conf("DABIR_OTP_TTL"))


def _lock(*keys: str) -> None:
    """Serialise concurrent requests on the same mobile or address (PostgreSQL advisory locks).

    Taken in a fixed order so two requests never wait on each other; released at commit.
    """
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    ids = sorted({int.from_bytes(hashlib.sha256(k.encode()).digest()[:8], "big", signed=True) for k in keys})
    with connection.cursor() as cursor:
        for lock_id in ids:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_id])


def _check_rate(*, mobile: str, ip: str, now) -> None:
    hour_ago = now - dt.timedelta(hours=1)
    gap = _conf("DABIR_OTP_MOBILE_GAP")
    last = OneTimeCode.objects.filter(mobile=mobile).order_by("-created_at").values_list("created_at", flat=True).first()
    if last is not None and (now - last).total_seconds() < gap:
        wait = math.ceil(gap - (now - last).total_seconds())
        raise TooManyRequests(
            f"کد پیشین همین تازگی فرستاده شد؛ {_wait_text(wait)} دیگر دوباره درخواست کنید.",
            retry_after=wait, field="mobile",
        )
    for field, value, limit, message in (
        ("mobile", mobile, _conf("DABIR_OTP_MOBILE_HOURLY"),
         "برای این شماره در یک ساعت گذشته کدهای زیادی فرستاده شده است"),
        ("ip", ip, _conf("DABIR_OTP_IP_HOURLY"),
         "از نشانی شما در یک ساعت گذشته کدهای زیادی درخواست شده است"),
    ):
        if field == "ip" and not value:
            continue
        recent = list(
            OneTimeCode.objects.filter(**{field: value}, created_at__gt=hour_ago)
            .order_by("-created_at").values_list("created_at", flat=True)[:limit]
        )
        if len(recent) >= limit:
            # The oldest of the last `limit` codes leaves the window first.
            wait = math.ceil((recent[-1] + dt.timedelta(hours=1) - now).total_seconds())
            raise TooManyRequests(
                f"{message}؛ {_wait_text(wait)} دیگر دوباره بکوشید.",
                retry_after=wait, field="mobile" if field == "mobile" else None,
            )


def otp_resend_wait(*, mobile: str, ip: str = "") -> int:
    """Seconds until a new code may be asked for this mobile from this address (0: now), by the same
    rules request_otp applies (read only: the code step's countdown shows it)."""
    try:
        _check_rate(mobile=mobile, ip=ip, now=timezone.now())
    except TooManyRequests as exc:
        return max(0, int(exc.retry_after))
    return 0


def _sms_host() -> str:
    return urlparse(settings.DABIR_PUBLIC_URL or "").hostname or ""


def otp_sms_text(code: str) -> str:
    """The SMS: the code in Latin digits (phones offer it for autofill) and the WebOTP line."""
    text = f"کد ورود شما به میز خدمت دبیر: {code}\nاین کد تا {otp_validity_text()} معتبر است؛ آن را به کسی ندهید."
    host = _sms_host()
    return f"{text}\n\n@{host} #{code}" if host else text


def request_otp(*, national_code, mobile, ip: str = "") -> OneTimeCode:
    """Validate the numbers, apply the rate limits, store a fresh code's HMAC and queue its SMS."""
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    ip = (ip or "")[:64]
    from dabir.notify.services import queue_sms  # the notify app owns the SMS outbox

    with transaction.atomic():
        _lock(f"otp:mobile:{mobile}", *([f"otp:ip:{ip}"] if ip else []))
        now = timezone.now()
        _check_rate(mobile=mobile, ip=ip, now=now)
        code = "".join(secrets.choice("0123456789") for _ in range(OTP_LENGTH))
        otp = OneTimeCode.objects.create(
            purpose=OneTimeCode.Purpose.SIGNIN, national_code=national_code, mobile=mobile, ip=ip,
            code_hash=otp_hash(national_code=national_code, mobile=mobile, code=code),
            created_at=now, expires_at=now + dt.timedelta(seconds=_conf("DABIR_OTP_TTL")),
        )
        queue_sms(mobile=mobile, text=otp_sms_text(code), kind=SmsKind.OTP, related=f"accounts.otp:{otp.pk}")
        audit.record(
            action=AuditAction.CITIZEN_OTP_REQUEST, obj=otp,
            data={"national_code": national_code, "mobile": mobile, "ip": ip},
        )
    return otp


def _clean_code(code) -> str:
    code = to_latin_digits(str(code or "")).strip()
    if not code:
        raise DomainError("کد یک‌بارمصرفی را که پیامک شده است وارد کنید.", field="code")
    if len(code) != OTP_LENGTH or not code.isascii() or not code.isdigit():
        raise DomainError(f"کد یک‌بارمصرف {to_persian_digits(OTP_LENGTH)} رقم است.", field="code")
    return code


def _consume(*, rows, expected_hash: str, missing: str, wrong_action: str) -> tuple[OneTimeCode, DomainError | None]:
    """Check the latest of `rows` against the typed code's hash, inside the caller's transaction.

    A code that was never sent, is used, dead or expired is refused at once; a wrong code counts an
    attempt and comes back as the error to raise after the transaction commits (so the count stays).
    On success the code is marked used and returned with no error.
    """
    max_attempts = _conf("DABIR_OTP_MAX_ATTEMPTS")
    otp = rows.select_for_update().order_by("-created_at", "-id").first()
    now = timezone.now()
    if otp is None:
        raise DomainError(missing, field="code")
    if otp.used_at is not None:
        raise DomainError("این کد پیش‌تر به کار رفته است؛ کد تازه‌ای درخواست کنید.", field="code", code="otp_used")
    if otp.attempts >= max_attempts:
        raise DomainError(
            "کد چند بار نادرست وارد شد و دیگر پذیرفته نمی‌شود؛ کد تازه‌ای درخواست کنید.",
            field="code", code="otp_locked",
        )
    if now >= otp.expires_at:
        raise DomainError("زمان این کد گذشته است؛ کد تازه‌ای درخواست کنید.", field="code", code="otp_expired")
    if not constant_time_compare(otp.code_hash, expected_hash):
        otp.attempts += 1
        otp.save(update_fields=["attempts"])
        audit.record(action=wrong_action, obj=otp, data={"attempts": otp.attempts})
        left = max_attempts - otp.attempts
        if left > 0:
            return otp, DomainError(
                f"کد نادرست است؛ {to_persian_digits(left)} بار دیگر می‌توانید بکوشید.", field="code", code="otp_wrong",
            )
        return otp, DomainError(
            "کد نادرست است و دیگر پذیرفته نمی‌شود؛ کد تازه‌ای درخواست کنید.", field="code", code="otp_locked",
        )
    otp.used_at = now
    otp.save(update_fields=["used_at"])
    return otp, None


def verify_otp(*, national_code, mobile, code) -> User:
    """Check the latest code sent for these numbers; on success mark it used and return the citizen.

    A wrong code counts an attempt (kept even though an error is raised: do not call this inside
    a transaction of your own, or the count rolls back with it).
    """
    national_code = validate_national_code(national_code)
    mobile = validate_mobile(mobile)
    code = _clean_code(code)
    with transaction.atomic():
        otp, failure = _consume(
            rows=OneTimeCode.objects.filter(
                purpose=OneTimeCode.Purpose.SIGNIN, national_code=national_code, mobile=mobile),
            expected_hash=otp_hash(national_code=national_code, mobile=mobile, code=code),
            missing="برای این کد ملی و شماره، کدی فرستاده نشده است؛ نخست کد را درخواست کنید.",
            wrong_action=AuditAction.CITIZEN_OTP_WRONG,
        )
        if failure is None:
            user = _citizen_for(national_code=national_code, mobile=mobile, otp=otp)
            audit.record(action=AuditAction.CITIZEN_OTP_VERIFY, obj=otp, actor=user, data={"user": user.pk})
    if failure is not None:
        raise failure
    return user


# ---------------------------------------------------------------- codes for other purposes
#
# The same machinery (six digits, an HMAC only, two minutes, single use, wrong tries counted, the
# same per-mobile and per-address limits counted on the same rows) for a code that opens something
# other than a sign-in: `purpose` says what, `subject` which one (for tracking: the tracking code).
# The HMAC is keyed apart from sign-in codes, so one kind can never stand for the other.


def purpose_hash(*, purpose: str, subject: str, mobile: str, code: str) -> str:
    return salted_hmac(f"dabir.accounts.otp.{purpose}", f"{subject}:{mobile}:{code}", algorithm="sha256").hexdigest()


def issue_purpose_code(*, purpose: str, subject: str, mobile, ip: str = "", sms_text=None,
                       related: str = "") -> OneTimeCode:
    """Apply the limits and store a fresh code for (purpose, subject, mobile); queue its SMS when `sms_text`
    (a function of the code) is given. Without it the row is still stored — it counts for the limits —
    and nothing is sent: the caller answers alike, so nobody learns whether the subject and mobile match."""
    if purpose == OneTimeCode.Purpose.SIGNIN or purpose not in OneTimeCode.Purpose.values:
        raise ValueError(f"unknown one-time code purpose {purpose!r}")
    mobile = validate_mobile(mobile)
    subject = str(subject or "")[:32]
    ip = (ip or "")[:64]
    from dabir.notify.services import queue_sms

    with transaction.atomic():
        _lock(f"otp:mobile:{mobile}", *([f"otp:ip:{ip}"] if ip else []))
        now = timezone.now()
        _check_rate(mobile=mobile, ip=ip, now=now)
        code = "".join(secrets.choice("0123456789") for _ in range(OTP_LENGTH))
        otp = OneTimeCode.objects.create(
            purpose=purpose, subject=subject, mobile=mobile, ip=ip,
            code_hash=purpose_hash(purpose=purpose, subject=subject, mobile=mobile, code=code),
            created_at=now, expires_at=now + dt.timedelta(seconds=_conf("DABIR_OTP_TTL")),
        )
        if sms_text is not None:
            queue_sms(mobile=mobile, text=sms_text(code), kind=SmsKind(f"otp.{purpose}"), related=related or f"accounts.otp:{otp.pk}")
        audit.record(action=AuditAction(f"otp.{purpose}.request"), obj=otp,
                     data={"subject": subject, "mobile": mobile, "ip": ip, "sent": sms_text is not None})
    return otp


def consume_purpose_code(*, purpose: str, subject: str, mobile, code) -> OneTimeCode:
    """Check the latest code for (purpose, subject, mobile) and mark it used; wrong tries are counted
    (do not call this inside a transaction of your own, or the count rolls back with the error)."""
    mobile = validate_mobile(mobile)
    code = _clean_code(code)
    subject = str(subject or "")[:32]
    with transaction.atomic():
        otp, failure = _consume(
            rows=OneTimeCode.objects.filter(purpose=purpose, subject=subject, mobile=mobile),
            expected_hash=purpose_hash(purpose=purpose, subject=subject, mobile=mobile, code=code),
            missing="برای این شماره کدی فرستاده نشده است؛ نخست کد را درخواست کنید.",
            wrong_action=AuditAction(f"otp.{purpose}.wrong"),
        )
        if failure is None:
            audit.record(action=AuditAction(f"otp.{purpose}.verify"), obj=otp, data={"subject": subject})
    if failure is not None:
        raise failure
    return otp


def sms_code_text(intro: str, code: str) -> str:
    """An SMS carrying a code: the line, how long it holds, and the WebOTP line for the site."""
    text = f"{intro}: {code}\nاین کد تا {otp_validity_text()} معتبر است؛ آن را به کسی ندهید."
    host = _sms_host()
    return f"{text}\n\n@{host} #{code}" if host else text


# ---------------------------------------------------------------- staff sign-in with a password
#
# Every password check goes through dabir.accounts.backends.ThrottledModelBackend, which asks
# these three: begin_sign_in() before the password is looked at, then sign_in_failed() or
# sign_in_succeeded(). Attempts are counted per account (the name typed, whether or not it
# exists, so a lock says nothing about which names are real) and per client address, in
# core.ratelimit's database counters; the limit-th failure locks the account or the address for
# the window's length, and while it is locked even the right password is refused. A right
# password forgets the account's count and does not count against its address.

class SignInLocked(TooManyRequests):
    """Password sign-in refused while the account or the address is locked."""

    code = "signin_locked"


@dataclass(frozen=True)
class SignInName:
    """The audit log's object for a sign-in under a name that may name no account."""

    pk: str


def _signin_rate(name: str) -> tuple[int, int]:
    limit, window = getattr(settings, name)  # DABIR_SIGNIN_ACCOUNT_RATE or _ADDRESS_RATE
    return int(limit), int(window)


def _account_key(username: str) -> str:
    # Hashed: counters need no copy of the names typed; case-folded: «Ali» and «ali» count as one.
    return "signin:account:" + hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:40]


def _address_key(ip: str) -> str:
    return f"signin:ip:{ip}"


def _audit_object(username: str):
    user = User.objects.filter(username=username).first()
    return user if user is not None else SignInName(pk=username[:64])


def _locked_message(seconds: int) -> str:
    return f"به دلیل چند ورود نادرست پیاپی، ورود موقتاً بسته شده است؛ {_wait_text(seconds)} دیگر دوباره بکوشید."


@dataclass
class SignInAttempt:
    """One password attempt, counted before the password is checked (see begin_sign_in)."""

    username: str
    ip: str
    obj: object  # the audit log's object: the account, or the name typed when no account has it
    locks: dict  # scope ("account", "address") → seconds it is locked for if this attempt fails


def begin_sign_in(*, username: str, ip: str = "") -> SignInAttempt:
    """Count this attempt per account and per address, and refuse it (SignInLocked, audited) while
    either is locked. Counted before the password is checked, so parallel guesses cannot slip past."""
    username = (username or "")[:150]
    attempt = SignInAttempt(username=username, ip=ip, obj=_audit_object(username), locks={})
    scopes = [("account", _account_key(username), "DABIR_SIGNIN_ACCOUNT_RATE")]
    if ip:
        scopes.append(("address", _address_key(ip), "DABIR_SIGNIN_ADDRESS_RATE"))
    locked = None
    with transaction.atomic():  # raised after the commit, so the count and the audit entry stay
        for scope, key, setting in scopes:
            limit, window = _signin_rate(setting)
            number, wait = ratelimit.attempt(key, limit=limit, window=window, lock=window)
            if number > limit:
                audit.record(action=AuditAction.AUTH_SIGNIN_REFUSED, obj=attempt.obj,
                             data={"username": username, "ip": ip, "scope": scope, "retry_after": wait})
                locked = SignInLocked(_locked_message(wait), retry_after=wait)
                break
            if number == limit:
                attempt.locks[scope] = wait
    if locked is not None:
        raise locked
    return attempt


def sign_in_failed(attempt: SignInAttempt) -> None:
    """A wrong password (audited); raise SignInLocked when it was the last one the account or address had."""
    with transaction.atomic():
        audit.record(action=AuditAction.AUTH_SIGNIN_FAILED, obj=attempt.obj,
                     data={"username": attempt.username, "ip": attempt.ip})
        for scope, seconds in attempt.locks.items():
            audit.record(action=AuditAction.AUTH_SIGNIN_LOCK, obj=attempt.obj,
                         data={"username": attempt.username, "ip": attempt.ip, "scope": scope, "seconds": seconds})
    if attempt.locks:
        wait = max(attempt.locks.values())
        raise SignInLocked(_locked_message(wait), retry_after=wait)


def sign_in_succeeded(attempt: SignInAttempt, *, user: User) -> None:
    """A right password: the account's attempts are forgotten, and this one does not count against its address."""
    ratelimit.reset(_account_key(user.get_username()))
    if attempt.ip:
        ratelimit.release(_address_key(attempt.ip))


def _citizen_for(*, national_code: str, mobile: str, otp: OneTimeCode) -> User:
    """The citizen account of this national code, created on first sign-in; the verified mobile kept."""
    username = f"c{national_code}"
    user = User.objects.select_for_update().filter(username=username).first()
    if user is None:
        user = User(username=username, national_code=national_code, mobile=mobile, is_citizen=True)
        user.set_unusable_password()
        user.save()
        audit.record(action=AuditAction.CITIZEN_CREATE, obj=user, actor=user, data={"national_code": national_code, "mobile": mobile})
        return user
    if not user.is_citizen or not user.is_active:
        raise NotAllowed("این حساب برای ورود شهروندان نیست؛ با پشتیبانی تماس بگیرید.", field="national_code")
    if user.mobile != mobile:
        old = user.mobile
        user.mobile = mobile
        user.save(update_fields=["mobile"])
        audit.record(action=AuditAction.CITIZEN_MOBILE_CHANGE, obj=user, actor=user, data={"old": old, "new": mobile})
    return user
