"""The signed-in user (`/api/me`), their own API tokens, and the citizen sign-in.

POST /api/citizen/otp      {national_code, mobile}        → 202 {expires_in}; a code is sent by SMS
POST /api/citizen/session  {national_code, mobile, code,  → signs in: the browser session (needs the
                            mode: "session" | "token"}       CSRF token) or a new API token for an app
"""

import datetime as dt
from typing import Literal

from django.contrib.auth import login
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status
from ninja.utils import check_csrf
from pydantic import Field

from dabir.core.errors import DomainError, NotFound
from dabir.core.problems import problem
from dabir.core.ratelimit import client_ip
from dabir.core.schemas import In, LatinInt
from dabir.core.validators import mask_mobile
from dabir.orgs.selectors import seats_of, secretariats_of

from . import services
from .models import ApiToken

router = Router(tags=["accounts"])


class SeatOut(Schema):
    position_id: int
    title: str
    unit_id: int
    unit: str
    agency_id: int
    agency: str
    as_acting: bool
    can_sign: bool
    is_manager: bool


class ClerkSecretariatOut(Schema):
    """A secretariat the user works in as a clerk (orgs.api.SecretariatOut also lists its series)."""

    id: int
    name: str
    code: str
    agency_id: int
    agency: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    via_token: bool
    seats: list[SeatOut]
    secretariats: list[ClerkSecretariatOut]


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked: bool


class TokenIn(In):
    name: str = Field(..., max_length=100)


class NewTokenOut(TokenOut):
    key: str = Field(..., description="کلید توکن؛ فقط همین یک بار نشان داده می‌شود.")


@router.get("/me", response=MeOut, summary="کاربر جاری، سمت‌ها و دبیرخانه‌هایش")
def me(request):
    user = request.user
    seats = [
        {
            "position_id": s.position.id, "title": s.position.title, "unit_id": s.position.unit_id,
            "unit": s.position.unit.name, "agency_id": s.position.unit.agency_id,
            "agency": s.position.unit.agency.name, "as_acting": s.as_acting, "can_sign": s.position.can_sign,
            "is_manager": s.position.is_manager,
        }
        for s in seats_of(user)
    ]
    secretariats = [
        {"id": s.id, "name": s.name, "code": s.code, "agency_id": s.agency_id, "agency": s.agency.name}
        for s in secretariats_of(user)
    ]
    return {
        "id": user.id, "username": user.username, "name": str(user),
        "via_token": getattr(request, "api_token", None) is not None,
        "seats": seats, "secretariats": secretariats,
    }


@router.get("/tokens", response=list[TokenOut], summary="توکن‌های API من")
def list_tokens(request):
    return list(ApiToken.objects.filter(user=request.user).order_by("-created_at", "-id"))


@router.post("/tokens", response={201: NewTokenOut}, summary="صدور توکن API تازه")
def issue_token(request, payload: TokenIn):
    name = payload.name.strip()
    if not name:
        raise DomainError("نامی برای توکن بنویسید.", field="name")
    token, key = services.issue_api_token(user=request.user, name=name)
    return Status(201, {**TokenOut.from_orm(token).dict(), "key": key})


@router.delete("/tokens/{token_id}", response=TokenOut, summary="باطل کردن یکی از توکن‌های من")
def revoke_token(request, token_id: LatinInt):
    token = ApiToken.objects.filter(user=request.user, pk=token_id).first()
    if token is None:
        raise NotFound("توکن پیدا نشد.")
    if not token.revoked:
        services.revoke_api_token(token=token, actor=request.user)
    return token


# ---------------------------------------------------------------- citizen sign-in (no authentication)


class OtpIn(In):
    national_code: str = Field(..., max_length=30, description="کد ملی ۱۰ رقمی؛ رقم‌های فارسی هم پذیرفته است.")
    mobile: str = Field(..., max_length=30, description="شماره همراه: 09…، +989… یا 00989…")


class OtpOut(Schema):
    expires_in: int = Field(..., description="چند ثانیه کد معتبر است.")
    mobile: str = Field(..., description="شماره‌ای که کد به آن فرستاده شد (بخشی پنهان).")


class CitizenSessionIn(OtpIn):
    code: str = Field(..., max_length=20, description="کد ۶ رقمی پیامک‌شده.")
    mode: Literal["session", "token"] = Field(
        "session", description="session: نشست مرورگر (با CSRF)؛ token: توکن API برای برنامه همراه."
    )
    token_name: str = Field("برنامه همراه", max_length=100)


class CitizenOut(Schema):
    id: int
    national_code: str
    mobile: str
    mode: str
    key: str | None = Field(None, description="کلید توکن (فقط در حالت token)؛ همین یک بار نشان داده می‌شود.")


def _rate_limited(exc: services.TooManyRequests):
    errors = [{"field": exc.field, "message": exc.message}] if exc.field else None
    response = problem(429, exc.message, code=exc.code, errors=errors)
    response["Retry-After"] = str(exc.retry_after)
    return response


@router.post(
    "/citizen/otp", auth=None, response={202: OtpOut, 429: None}, tags=["citizen"],
    summary="درخواست کد یک‌بارمصرف ورود شهروند (پیامک)",
)
def citizen_otp(request, payload: OtpIn):
    try:
        otp = services.request_otp(national_code=payload.national_code, mobile=payload.mobile, ip=client_ip(request))
    except services.TooManyRequests as exc:
        return _rate_limited(exc)
    expires_in = max(0, int((otp.expires_at - otp.created_at).total_seconds()))
    return Status(202, {"expires_in": expires_in, "mobile": mask_mobile(otp.mobile)})


@router.post(
    "/citizen/session", auth=None, response={200: CitizenOut, 201: CitizenOut, 403: None}, tags=["citizen"],
    summary="ورود شهروند با کد یک‌بارمصرف: نشست مرورگر یا توکن API",
)
def citizen_session(request, payload: CitizenSessionIn):
    if payload.mode == "session" and check_csrf(request):
        # A browser sign-in must come from our own pages (no login CSRF).
        raise HttpError(403, "csrf")
    name = payload.token_name.strip() if payload.mode == "token" else ""
    if payload.mode == "token" and not name:
        raise DomainError("نامی برای توکن بنویسید.", field="token_name")
    user = services.verify_otp(national_code=payload.national_code, mobile=payload.mobile, code=payload.code)
    body = {"id": user.id, "national_code": user.national_code, "mobile": user.mobile, "mode": payload.mode}
    if payload.mode == "token":
        _token, key = services.issue_api_token(user=user, name=name)
        return Status(201, {**body, "key": key})
    login(request, user, backend="dabir.accounts.backends.ThrottledModelBackend")
    return Status(200, body)
