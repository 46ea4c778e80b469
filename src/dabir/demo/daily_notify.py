"""The demo's notify part (issue 13): who gets which notices also by SMS or e-mail, and one digest user.

Set after the letters are loaded, so the demo's history sends no copies; the next event does. The demo's
people have no e-mail address: their preferences page shows the warning, and only SMS copies go out
(to the dev provider's outbox, /notify/outbox/).
"""

from django.contrib.auth import get_user_model
from django.db import transaction

from dabir.core.text import to_persian_digits
from dabir.exchange.names import NoticeKind as ExchangeKind
from dabir.letters.names import NoticeKind
from dabir.notify import preferences

# username → ({kind: (by SMS, by e-mail)}, digest hour or None for single copies)
CHOICES = {
    # the governor is told by SMS when a letter waits for his signature
    "ostandar": ({NoticeKind.AWAITING_SIGNATURE: (True, False)}, None),
    # the IT deputy, acting for the director general this week: new referrals and passed deadlines
    "moaven.it": ({NoticeKind.REFERRAL_NEW: (True, False), NoticeKind.DEADLINE_PASSED: (True, True)}, None),
    # the network expert prefers one message a day, at eight
    "karshenas.shabake": ({NoticeKind.REFERRAL_NEW: (True, True), NoticeKind.DEADLINE_TOMORROW: (True, True),
                           NoticeKind.REMINDER: (True, False)}, 8),
    # the central secretariat's clerk hears at once when a letter to another agency could not be sent
    "dabir": ({ExchangeKind.DELIVERY_FAILED: (True, False), NoticeKind.REFERRAL_BACK: (True, False)}, None),
}


def load(*, log=None) -> dict:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=list(CHOICES))}
    done = []
    for username, (choices, hour) in CHOICES.items():
        user = users.get(username)
        if user is None:
            continue
        with transaction.atomic():
            preferences.save_preferences(user=user, choices=choices, digest=hour is not None, digest_hour=hour or 7)
        done.append(username)
    if log:
        log(f"تنظیم اعلان‌ها برای {to_persian_digits(len(done))} کاربر نمایشی")
    return {"preferences": done}
