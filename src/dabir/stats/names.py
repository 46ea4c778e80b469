"""Supervision's audit actions with their Persian names (see core/labels.py)."""

from django.db import models


class AuditAction(models.TextChoices):
    WEIGHTS_SET = "stats.weights.set", "تعیین وزن‌های شاخص کم‌کاغذ"
    REPORT_EXPORT = "stats.report.export", "خروجی گزارش نظارت"
    CERTIFICATE_ISSUE = "stats.certificate.issue", "صدور لوح تقدیر دبیرخانه برتر"
    QUESTIONNAIRE_CREATE = "stats.questionnaire.create", "ایجاد پرسش‌نامه ارزیابی"
    QUESTIONNAIRE_EDIT = "stats.questionnaire.edit", "ویرایش پرسش‌نامه ارزیابی"
    QUESTIONNAIRE_SEND = "stats.questionnaire.send", "ارسال پرسش‌نامه ارزیابی به دستگاه‌ها"
    QUESTIONNAIRE_CLOSE = "stats.questionnaire.close", "بستن پرسش‌نامه ارزیابی"
    EVALUATION_ANSWER = "stats.evaluation.answer", "پاسخ دستگاه به پرسش‌نامه ارزیابی"
    EVALUATION_VISIT = "stats.evaluation.visit", "ثبت بازدید میدانی دبیرخانه"
    EVALUATION_SCORE = "stats.evaluation.score", "امتیازدهی ارزیابی دبیرخانه"
    ACTION_CREATE = "stats.action.create", "تعیین اقدام اصلاحی برای دستگاه"
    ACTION_UPDATE = "stats.action.update", "پیگیری اقدام اصلاحی"
    STATS_REBUILD = "stats.rebuild", "بازسازی آمار نظارت"
