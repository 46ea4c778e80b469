"""The letters app's audit actions, as enumerations with their Persian names.

Services pass the members (they are str); core.audit.record and notify.queue_sms refuse a code
that no app declares, and the admin and the SMS outbox show the names (core.labels).
"""

from django.db import models


class AuditAction(models.TextChoices):
    """Every audit action this app records."""

    LETTER_DRAFT = "letter.draft", "ایجاد پیش‌نویس"
    LETTER_UPDATE_DRAFT = "letter.update_draft", "ویرایش پیش‌نویس"
    LETTER_ATTACH = "letter.attach", "افزودن پیوست"
    LETTER_ATTACHMENT_TEXT = "letter.attachment_text", "خواندن متن پیوست (OCR)"
    LETTER_SUBMIT_FOR_SIGNATURE = "letter.submit_for_signature", "فرستادن برای امضا"
    LETTER_RETURN_TO_AUTHOR = "letter.return_to_author", "برگرداندن به نگارنده"
    LETTER_APPROVE = "letter.approve", "تأیید نامه"
    LETTER_REGISTER = "letter.register", "ثبت و شماره‌گذاری نامه"
    LETTER_REGISTER_INCOMING = "letter.register_incoming", "ثبت نامه وارده"
    LETTER_DISPATCH = "letter.dispatch", "ارسال نامه"
    LETTER_REFER = "letter.refer", "ارجاع نامه"
    LETTER_FILE = "letter.file", "بایگانی در پرونده"
    LETTER_ARCHIVE = "letter.archive", "بایگانی نامه"
    LETTER_CLOSE = "letter.close", "مختومه کردن نامه"
    LETTER_CLOSE_BY_SYSTEM = "letter.close_by_system", "مختومه شدن خودکار نامه"
    LETTER_FORWARD_BY_SYSTEM = "letter.forward_by_system", "ارجاع خودکار نامه"
    LETTER_VOID = "letter.void", "ابطال نامه"
    LETTER_PRINT = "letter.print", "چاپ نامه"
    REFERRAL_READ = "referral.read", "خواندن ارجاع"
    REFERRAL_DONE = "referral.done", "انجام ارجاع"
    REFERRAL_REASSIGN = "referral.reassign", "ارجاع دوباره"
    REFERRAL_WITHDRAW = "referral.withdraw", "پس گرفتن ارجاع"
    FOLDER_CREATE = "folder.create", "ایجاد پرونده"
    # writing part (issue 13): ready margin notes and letter templates
    READY_NOTE_SAVE = "ready_note.save", "ذخیره هامش آماده"
    READY_NOTE_MOVE = "ready_note.move", "جابه‌جایی هامش آماده"
    READY_NOTE_DELETE = "ready_note.delete", "حذف هامش آماده"
    TEMPLATE_SAVE = "letter_template.save", "ذخیره الگوی نامه"
    # dashboard part (issue 13): the sender's reminder of an open referral
    REFERRAL_REMIND = "referral.remind", "یادآوری ارجاع"


class NoticeKind(models.TextChoices):
    """The notices (the bell) correspondence raises; a user chooses which also go by SMS or e-mail."""

    REFERRAL_NEW = "letters.referral_new", "ارجاع تازه"
    REFERRAL_BACK = "letters.referral_back", "پاسخ یا بازگشت ارجاع"
    AWAITING_SIGNATURE = "letters.awaiting_signature", "نامه در انتظار امضا"
    DEADLINE_TOMORROW = "letters.deadline_tomorrow", "مهلت ارجاع فردا به پایان می‌رسد"
    DEADLINE_PASSED = "letters.deadline_passed", "مهلت ارجاع گذشته است"
    REMINDER = "letters.reminder", "یادآوری ارجاع‌دهنده"
