"""The demo's writing part (issue 13): each demo agency's ready margin notes and its three letter templates
(استعلام، دعوت‌نامه، ابلاغ), kept by the system admin; personal ready notes for the central secretariat's
clerk and the IT director general. All through letters.services.writing, audited like any other write."""

from dabir.accounts.models import User
from dabir.letters.models import LetterTemplate, ReadyNote
from dabir.letters.services import writing
from dabir.orgs.models import Agency

from . import data

AGENCY_NOTES = [
    ("جهت اقدام لازم", "action"),
    ("جهت اطلاع و بایگانی", "information"),
    ("لطفاً بررسی و گزارش دهید", "action"),
    ("جهت تهیه پاسخ و ارائه برای امضا", "reply"),
    ("با هماهنگی واحد حقوقی اقدام شود", "action"),
]

PERSONAL_NOTES = {
    "dabir": [("به دبیرخانه برگردانده شود", ""), ("اصل نامه در بایگانی دبیرخانه است", "information")],
    "modir.it": [
        ("موافقم؛ اقدام شود", "action"), ("در جلسه هفتگی مطرح شود", "information"),
        ("تا پایان هفته گزارش دهید", "action"),
    ],
}

TEMPLATES = [
    ("استعلام", "outgoing", "استعلام درباره …",
     "<p>{گیرنده}</p><p>با سلام و احترام،</p><p>خواهشمند است درباره موضوع زیر، نتیجه بررسی را به {دستگاه} اعلام "
     "فرمایید: …</p><p>پیشاپیش از همکاری شما سپاسگزاریم.</p><p>{فرستنده}<br>{سمت_فرستنده}<br>{تاریخ}</p>"),
    ("دعوت‌نامه", "outgoing", "دعوت به جلسه …",
     "<p>{گیرنده}</p><p>با سلام و احترام،</p><p>بدین‌وسیله از جنابعالی دعوت می‌شود در جلسه … که در تاریخ … "
     "ساعت … در محل {دستگاه} برگزار می‌شود، حضور به هم رسانید.</p><p>{فرستنده}<br>{سمت_فرستنده}</p>"),
    ("ابلاغ", "internal", "ابلاغ …",
     "<p>{گیرنده}</p><p>با سلام،</p><p>به استناد … ، موارد زیر جهت اجرا ابلاغ می‌گردد: …</p>"
     "<p>{فرستنده}<br>{سمت_فرستنده}<br>{واحد_فرستنده}<br>{تاریخ}</p>"),
]


def load(*, log=None) -> dict:
    admin = User.objects.filter(is_superuser=True).order_by("id").first()
    if admin is None:
        return {}
    agencies = list(Agency.objects.filter(code__in=[a["code"] for a in data.AGENCIES]))
    notes = templates = 0
    for agency in agencies:
        have = set(ReadyNote.objects.filter(agency=agency).values_list("text", flat=True))
        for text, action in AGENCY_NOTES:
            if text not in have:
                writing.save_ready_note(user=admin, agency=agency, text=text, action=action)
                notes += 1
        titles = set(LetterTemplate.objects.filter(agency=agency).values_list("title", flat=True))
        for title, kind, subject, body in TEMPLATES:
            if title not in titles:
                writing.save_template(user=admin, agency=agency, title=title, kind=kind, subject=subject, body=body)
                templates += 1
    for username, rows in PERSONAL_NOTES.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        have = set(ReadyNote.objects.filter(user=user).values_list("text", flat=True))
        for text, action in rows:
            if text not in have:
                writing.save_ready_note(user=user, text=text, action=action)
                notes += 1
    if log:
        log(f"هامش‌های آماده: {notes}، الگوهای نامه: {templates}")
    return {"ready_notes": notes, "templates": templates, "agencies": len(agencies)}
