"""Mailbox passwords at rest: encrypted with a key derived from the same secret as the signing keys.

Fernet (AES-128-CBC with HMAC-SHA256) under a key derived by HKDF-SHA256 from
settings.DABIR_SIGNING_KEY (or SECRET_KEY); the password is decrypted in memory when the worker
connects and is never shown, logged or returned.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from dabir.core.errors import DomainError


def _fernet() -> Fernet:
    secret = str(settings.DABIR_SIGNING_KEY or settings.SECRET_KEY).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"dabir-channels-v1", info=b"mailbox-password").derive(
        secret)
    return Fernet(base64.urlsafe_b64encode(key))


def encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode("ascii") if password else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode("ascii")).decode()
    except InvalidToken:
        raise DomainError("گذرواژه صندوق با کلید کنونی سامانه باز نمی‌شود؛ آن را دوباره وارد کنید.",
                          code="mailbox_password") from None
