"""The counter offices' audit actions, SMS kinds and tasks, with their Persian names (see desk/names.py)."""

from django.db import models


class AuditAction(models.TextChoices):
    OFFICE_CREATE = "counters.office.create", "ثبت دفتر پیشخوان"
    OFFICE_EDIT = "counters.office.edit", "ویرایش دفتر پیشخوان"
    OFFICE_STATE = "counters.office.state", "تغییر وضعیت پروانه دفتر"
    OFFICE_RENEW = "counters.office.renew", "تمدید پروانه دفتر"
    OFFICE_HOLDER = "counters.office.holder", "تغییر دارنده پروانه دفتر"
    OFFICE_EXPIRE = "counters.office.expire", "انقضای پروانه دفتر"
    STAFF_SET = "counters.staff.set", "تعیین کارمند دفتر"
    STAFF_END = "counters.staff.end", "پایان کار کارمند دفتر"
    SERVICE_DECLARE = "counters.service.declare", "اعلام واگذاری خدمت به دفاتر"
    SCHEDULE_DRAFT = "counters.schedule.draft", "پیش‌نویس تعرفه دفاتر"
    SCHEDULE_EDIT = "counters.schedule.edit", "ویرایش پیش‌نویس تعرفه"
    SCHEDULE_APPROVE = "counters.schedule.approve", "تصویب تعرفه دفاتر"
    VISIT_START = "counters.visit.start", "آغاز مراجعه در دفتر"
    VISIT_VERIFY = "counters.visit.verify", "تأیید رضایت متقاضی در دفتر"
    VISIT_RESEND = "counters.visit.resend", "فرستادن دوباره کد رضایت متقاضی"
    SUBMIT = "counters.submit", "ثبت درخواست در دفتر پیشخوان"
    PAID = "counters.paid", "پرداخت در دفتر پیشخوان"
    PAYMENT_START = "counters.payment_start", "آغاز پرداخت بانکی در دفتر"
    CANCEL = "counters.cancel", "لغو ثبت در دفتر"
    LETTER_FILE = "counters.letter.file", "ثبت نامه شهروند در دفتر"
    LETTER_REGISTER = "counters.letter.register", "ثبت نامه دفتر در دبیرخانه"
    LETTER_RETURN = "counters.letter.return", "برگشت نامه دفتر"
    LETTER_ANSWER = "counters.letter.answer", "پاسخ به نامه دفتر"
    MONTH_CLOSE = "counters.month.close", "بستن ماه تسویه"
    COMPLAINT_FILE = "counters.complaint.file", "ثبت شکایت از دفتر"
    COMPLAINT_ANSWER = "counters.complaint.answer", "پاسخ به شکایت از دفتر"


class SmsKind(models.TextChoices):
    COUNTER_SUBMITTED = "counters.submitted", "ثبت در دفتر پیشخوان"
    COUNTER_LETTER_SENT = "counters.letter_sent", "ارسال نامه از دفتر"
    COUNTER_LETTER_REGISTERED = "counters.letter_registered", "ثبت نامه در دبیرخانه"
    COUNTER_LETTER_RETURNED = "counters.letter_returned", "برگشت نامه"
    COUNTER_LETTER_ANSWERED = "counters.letter_answered", "پاسخ نامه"
    COUNTER_COMPLAINT = "counters.complaint", "ثبت شکایت از دفتر"
    COUNTER_COMPLAINT_ANSWERED = "counters.complaint_answered", "پاسخ شکایت از دفتر"

