"""Persian names of the notify app's audit actions (see core.labels)."""

AUDIT_ACTIONS = {
    "sms.queue": "پیامک در صف ارسال",
    "sms.sending": "در حال ارسال پیامک",
    "sms.sent": "ارسال پیامک",
    "sms.delivered": "تحویل پیامک",
    "sms.failed": "ناکامی پیامک",
    "sms.retry": "تلاش دوباره پیامک",
}

TASKS = {
    "dabir.notify.tasks.send_sms": "ارسال پیامک",
    "dabir.notify.tasks.sms_sweep": "بازبینی صف پیامک‌ها",
}
