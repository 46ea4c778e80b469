import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Staff member (and, in the service desk, citizen). Acts only through positions."""

    national_code = models.CharField("کد ملی", max_length=10, blank=True, db_index=True)
    mobile = models.CharField("تلفن همراه", max_length=11, blank=True)
    # A citizen of the service desk (signed in with national code + SMS code), never a staff member.
    is_citizen = models.BooleanField("شهروند", default=False)

    class Meta:
        verbose_name = "کاربر"
        verbose_name_plural = "کاربران"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class ApiToken(models.Model):
    """A bearer token for the API; only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="کاربر")
    name = models.CharField("نام", max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, verbose_name="چکیده کلید")
    prefix = models.CharField(max_length=8, verbose_name="پیشوند")
    created_at = models.DateTimeField(auto_now_add=True, verbose_name="زمان ایجاد")
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name="آخرین استفاده")
    revoked = models.BooleanField(default=False, verbose_name="باطل‌شده")

    class Meta:
        verbose_name = "توکن API"
        verbose_name_plural = "توکن‌های API"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def new_key() -> str:
        return "dbr_" + secrets.token_urlsafe(32)


class OneTimeCode(models.Model):
    """A one-time sign-in code sent by SMS to a citizen; only an HMAC of the code is kept.

    The rows are also the request log the rate limits count (per mobile, per client address),
    so the limits hold across processes and machines.
    """

    class Purpose(models.TextChoices):
        SIGNIN = "signin", "ورود شهروند"
        TRACK = "track", "پیگیری درخواست"
        COUNTER = "counter", "رضایت متقاضی در دفتر پیشخوان"

    # What the code opens: a citizen's sign-in (national code + mobile), or the public tracking of one
    # request or complaint (its tracking code, kept in `subject`, + the applicant's mobile).
    purpose = models.CharField("کاربرد", max_length=16, choices=Purpose.choices, default=Purpose.SIGNIN)
    subject = models.CharField("موضوع", max_length=32, blank=True)
    national_code = models.CharField("کد ملی", max_length=10, blank=True)
    mobile = models.CharField("تلفن همراه", max_length=11)
    code_hash = models.CharField(max_length=64, verbose_name="چکیده کد")
    ip = models.CharField("نشانی درخواست‌کننده", max_length=64, blank=True)
    created_at = models.DateTimeField("زمان درخواست")
    expires_at = models.DateTimeField("زمان انقضا")
    attempts = models.PositiveSmallIntegerField("تلاش‌های نادرست", default=0)
    used_at = models.DateTimeField("زمان به‌کارگیری", null=True, blank=True)

    class Meta:
        verbose_name = "کد یک‌بارمصرف"
        verbose_name_plural = "کدهای یک‌بارمصرف"
        indexes = [
            models.Index(fields=["mobile", "created_at"], name="otp_mobile_time"),
            models.Index(fields=["ip", "created_at"], name="otp_ip_time"),
            models.Index(fields=["national_code", "mobile", "created_at"], name="otp_owner_time"),
            models.Index(fields=["purpose", "subject", "mobile", "created_at"], name="otp_subject_time"),
            models.Index(fields=["expires_at"], name="otp_expiry"),
        ]

    def __str__(self) -> str:
        return f"{self.national_code} / {self.mobile} @ {self.created_at:%Y-%m-%d %H:%M}"
