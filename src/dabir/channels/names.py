"""Channels' audit actions and task names in Persian (see core/labels.py)."""

from django.db import models


class AuditAction(models.TextChoices):
    MAILBOX_SAVE = "channels.mailbox.save", "تنظیم صندوق ایمیل دبیرخانه"
    INTAKE_STORE = "channels.intake.store", "دریافت ایمیل یا نمابر در صف دبیرخانه"
    INTAKE_REGISTER = "channels.intake.register", "ثبت ایمیل یا نمابر رسیده به‌عنوان نامه وارده"
    INTAKE_DISCARD = "channels.intake.discard", "کنار گذاشتن ایمیل یا نمابر رسیده"
    MAIL_QUEUE = "channels.mail.queue", "صف ارسال ایمیل یا نمابر نامه"
    MAIL_SENT = "channels.mail.sent", "ارسال ایمیل یا نمابر نامه"
    MAIL_RETRY = "channels.mail.retry", "تلاش دوباره برای ارسال ایمیل یا نمابر"
    MAIL_FAILED = "channels.mail.failed", "ناموفق ماندن ارسال ایمیل یا نمابر"
    MAIL_RESEND = "channels.mail.resend", "ارسال دوباره به دستور دبیرخانه"
    POST_DISPATCH = "channels.post.dispatch", "ارسال پستی یا با پیک"
    POST_UPDATE = "channels.post.update", "ثبت شماره رهگیری و هزینه پست"
    POST_OUTCOME = "channels.post.outcome", "ثبت رسید یا برگشت مرسوله پستی"
    CONTACT_SAVE = "channels.contact.save", "ثبت یا ویرایش طرف مکاتبه"
    CONTACT_REMOVE = "channels.contact.remove", "غیرفعال کردن طرف مکاتبه"
    OCR_REQUEUE = "channels.ocr.requeue", "خواندن دوباره متن تصویر نامه (OCR)"


TASKS = {
    "dabir.channels.tasks.send_transmission": "ارسال ایمیل یا نمابر نامه",
    "dabir.channels.tasks.read_attachment": "خواندن متن تصویر نامه (OCR)",
}
