"""Persian names of the payments app's audit actions (see core.labels)."""

AUDIT_ACTIONS = {
    "payment.start": "آغاز پرداخت",
    "payment.paid": "پرداخت موفق",
    "payment.fail": "پرداخت ناموفق",
    "payment.cancel": "انصراف از پرداخت",
    "payment.verify_retry": "تلاش دوباره برای تأیید پرداخت",
    "testbank.pay": "پرداخت در بانک آزمایشی",
    "testbank.cancel": "انصراف در بانک آزمایشی",
}
