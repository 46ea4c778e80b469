"""The signed-in user (`/api/me`) and their own API tokens."""

import datetime as dt

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from dabir.core.errors import DomainError, NotFound
from dabir.letters.schemas import In, LatinInt
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


class SecretariatOut(Schema):
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
    secretariats: list[SecretariatOut]


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
