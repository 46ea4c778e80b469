"""The accounts app's audit actions and SMS kinds, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    AUTH_SIGNIN_FAILED = "auth.signin_failed", "گذرواژه نادرست"
    AUTH_SIGNIN_LOCK = "auth.signin_lock", "قفل ورود پس از تلاش‌های نادرست"
    AUTH_SIGNIN_REFUSED = "auth.signin_refused", "رد ورود در زمان قفل"
    API_TOKEN_ISSUE = "api_token.issue", "صدور توکن API"
    API_TOKEN_REVOKE = "api_token.revoke", "ابطال توکن API"
    CITIZEN_CREATE = "citizen.create", "ثبت شهروند"
    CITIZEN_MOBILE_CHANGE = "citizen.mobile_change", "تغییر شماره همراه شهروند"
    CITIZEN_OTP_REQUEST = "citizen.otp_request", "درخواست کد یک‌بارمصرف"
    CITIZEN_OTP_VERIFY = "citizen.otp_verify", "ورود با کد یک‌بارمصرف"
    CITIZEN_OTP_WRONG = "citizen.otp_wrong", "کد یک‌بارمصرف نادرست"
    OTP_SIGNIN_REQUEST = "otp.signin.request", "درخواست کد یک‌بارمصرف (ورود شهروند)"
    OTP_TRACK_REQUEST = "otp.track.request", "درخواست کد یک‌بارمصرف (پیگیری درخواست)"
    OTP_COUNTER_REQUEST = "otp.counter.request", "درخواست کد یک‌بارمصرف (رضایت در دفتر پیشخوان)"
    OTP_SIGNIN_VERIFY = "otp.signin.verify", "تأیید کد یک‌بارمصرف (ورود شهروند)"
    OTP_TRACK_VERIFY = "otp.track.verify", "تأیید کد یک‌بارمصرف (پیگیری درخواست)"
    OTP_COUNTER_VERIFY = "otp.counter.verify", "تأیید کد یک‌بارمصرف (رضایت در دفتر پیشخوان)"
    OTP_SIGNIN_WRONG = "otp.signin.wrong", "کد یک‌بارمصرف نادرست (ورود شهروند)"
    OTP_TRACK_WRONG = "otp.track.wrong", "کد یک‌بارمصرف نادرست (پیگیری درخواست)"
    OTP_COUNTER_WRONG = "otp.counter.wrong", "کد یک‌بارمصرف نادرست (رضایت در دفتر پیشخوان)"


class SmsKind(models.TextChoices):
    """Every kind of SMS this app sends."""

    OTP = "otp", "کد یک‌بارمصرف"
    OTP_SIGNIN = "otp.signin", "کد یک‌بارمصرف (ورود شهروند)"
    OTP_TRACK = "otp.track", "کد یک‌بارمصرف (پیگیری درخواست)"
    OTP_COUNTER = "otp.counter", "کد یک‌بارمصرف (رضایت در دفتر پیشخوان)"
