"""Persian names of the accounts app's audit actions and SMS kinds (see core.labels)."""

_PURPOSES = {"signin": "ورود شهروند", "track": "پیگیری درخواست"}

AUDIT_ACTIONS = {
    "auth.signin_failed": "گذرواژه نادرست",
    "auth.signin_lock": "قفل ورود پس از تلاش‌های نادرست",
    "auth.signin_refused": "رد ورود در زمان قفل",
    "api_token.issue": "صدور توکن API",
    "api_token.revoke": "ابطال توکن API",
    "citizen.create": "ثبت شهروند",
    "citizen.mobile_change": "تغییر شماره همراه شهروند",
    "citizen.otp_request": "درخواست کد یک‌بارمصرف",
    "citizen.otp_verify": "ورود با کد یک‌بارمصرف",
    "citizen.otp_wrong": "کد یک‌بارمصرف نادرست",
    **{f"otp.{code}.request": f"درخواست کد یک‌بارمصرف ({name})" for code, name in _PURPOSES.items()},
    **{f"otp.{code}.verify": f"تأیید کد یک‌بارمصرف ({name})" for code, name in _PURPOSES.items()},
    **{f"otp.{code}.wrong": f"کد یک‌بارمصرف نادرست ({name})" for code, name in _PURPOSES.items()},
}

SMS_KINDS = {
    "otp": "کد یک‌بارمصرف",
    **{f"otp.{code}": f"کد یک‌بارمصرف ({name})" for code, name in _PURPOSES.items()},
}
