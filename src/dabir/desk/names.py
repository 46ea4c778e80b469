"""Persian names of the service desk's audit actions and SMS kinds (see core.labels)."""

AUDIT_ACTIONS = {
    "desk.service.publish": "انتشار خدمت",
    "desk.service.active": "فعال یا غیرفعال کردن خدمت",
    "desk.desk_account": "ساخت حساب میز خدمت",
    "desk.request.submit": "ثبت درخواست خدمت",
    "desk.request.cancel": "لغو درخواست",
    "desk.request.decide": "تصمیم درباره درخواست",
    "desk.request.documents_requested": "درخواست مدارک از متقاضی",
    "desk.request.documents_added": "افزودن مدارک به درخواست",
    "desk.request.payment_start": "آغاز پرداخت هزینه خدمت",
    "desk.request.paid": "پرداخت هزینه خدمت",
    "desk.request.sign_result": "امضای نتیجه درخواست",
    "desk.request.result_signed": "امضا شدن نتیجه درخواست",
    "desk.request.rate": "امتیاز متقاضی به خدمت",
    "desk.complaint.file": "ثبت شکایت",
    "desk.complaint.answer": "پاسخ به شکایت",
}

SMS_KINDS = {
    "desk.registered": "ثبت درخواست",
    "desk.stage": "مرحله تازه درخواست",
    "desk.approved": "پذیرش درخواست",
    "desk.rejected": "رد درخواست",
    "desk.cancelled": "لغو درخواست",
    "desk.documents_requested": "درخواست مدارک",
    "desk.awaiting_payment": "در انتظار پرداخت",
    "desk.result_ready": "آماده بودن نتیجه",
    "desk.complaint": "ثبت شکایت",
    "desk.complaint_answered": "پاسخ به شکایت",
    "desk.desk_account": "حساب میز خدمت",
    "desk.request": "درخواست خدمت",
}

TASKS = {
    "dabir.desk.tasks.finish_signed_results": "تکمیل نتیجه‌های امضاشده",
}
