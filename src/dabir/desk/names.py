"""The service desk's audit actions and SMS kinds, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    DESK_SERVICE_PUBLISH = "desk.service.publish", "انتشار خدمت"
    DESK_SERVICE_ACTIVE = "desk.service.active", "فعال یا غیرفعال کردن خدمت"
    DESK_DESK_ACCOUNT = "desk.desk_account", "ساخت حساب میز خدمت"
    DESK_REQUEST_SUBMIT = "desk.request.submit", "ثبت درخواست خدمت"
    DESK_REQUEST_CANCEL = "desk.request.cancel", "لغو درخواست"
    DESK_REQUEST_DECIDE = "desk.request.decide", "تصمیم درباره درخواست"
    DESK_REQUEST_DOCUMENTS_REQUESTED = "desk.request.documents_requested", "درخواست مدارک از متقاضی"
    DESK_REQUEST_DOCUMENTS_ADDED = "desk.request.documents_added", "افزودن مدارک به درخواست"
    DESK_REQUEST_PAYMENT_START = "desk.request.payment_start", "آغاز پرداخت هزینه خدمت"
    DESK_REQUEST_PAID = "desk.request.paid", "پرداخت هزینه خدمت"
    DESK_REQUEST_SIGN_RESULT = "desk.request.sign_result", "امضای نتیجه درخواست"
    DESK_REQUEST_RESULT_SIGNED = "desk.request.result_signed", "امضا شدن نتیجه درخواست"
    DESK_REQUEST_RATE = "desk.request.rate", "امتیاز متقاضی به خدمت"
    DESK_REQUEST_INQUIRY = "desk.request.inquiry", "استعلام خودکار مرحله درخواست"
    DESK_REQUEST_INQUIRY_ANSWERED = "desk.request.inquiry_answered", "رسیدن پاسخ استعلام درخواست"
    DESK_COMPLAINT_FILE = "desk.complaint.file", "ثبت شکایت"
    DESK_COMPLAINT_ANSWER = "desk.complaint.answer", "پاسخ به شکایت"


class SmsKind(models.TextChoices):
    """Every kind of SMS this app sends."""

    DESK_REGISTERED = "desk.registered", "ثبت درخواست"
    DESK_STAGE = "desk.stage", "مرحله تازه درخواست"
    DESK_APPROVED = "desk.approved", "پذیرش درخواست"
    DESK_REJECTED = "desk.rejected", "رد درخواست"
    DESK_CANCELLED = "desk.cancelled", "لغو درخواست"
    DESK_DOCUMENTS_REQUESTED = "desk.documents_requested", "درخواست مدارک"
    DESK_AWAITING_PAYMENT = "desk.awaiting_payment", "در انتظار پرداخت"
    DESK_RESULT_READY = "desk.result_ready", "آماده بودن نتیجه"
    DESK_COMPLAINT = "desk.complaint", "ثبت شکایت"
    DESK_COMPLAINT_ANSWERED = "desk.complaint_answered", "پاسخ به شکایت"
    DESK_DESK_ACCOUNT = "desk.desk_account", "حساب میز خدمت"
    DESK_REQUEST = "desk.request", "درخواست خدمت"


TASKS = {
    "dabir.desk.tasks.finish_signed_results": "تکمیل نتیجه‌های امضاشده",
}
