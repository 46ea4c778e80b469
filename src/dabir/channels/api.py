"""The address book over JSON, mounted at /api/channels/ (docs/api.md «Channels»): the correspondents a
picker offers, read through channels.policy (the books of the agencies where the caller works)."""

from typing import Literal

from django.db.models import Q
from ninja import Field, Query, Router, Schema

from dabir.core.schemas import LatinInt, Page, PageQuery
from dabir.core.text import normalize, to_latin_digits

from . import policy
from .services.contacts import channel_for

router = Router(tags=["channels"])

Kind = Literal["organisation", "company", "person"]


class CorrespondentQuery(PageQuery):
    q: str = Field("", max_length=200, description="بخشی از نام (ی/ک و نیم‌فاصله یکسان شمرده می‌شوند)، ایمیل یا "
                                                   "شماره نمابر")
    kind: Kind | None = Field(None, description="organisation، company یا person")
    agency_id: LatinInt | None = Field(None, description="فقط دفترچه این دستگاه")


class CorrespondentOut(Schema):
    id: int
    agency_id: int
    kind: Kind
    kind_label: str
    name: str
    email: str
    fax: str
    phone: str
    postal_address: str
    postal_code: str
    exchange_code: str
    prefer: str = Field(..., description="روش ارسال برگزیده؛ خالی یعنی خودکار")
    channel: str = Field(..., description="روشی که نامه به او با آن می‌رود: network، email، fax یا post")


class CorrespondentPage(Page):
    items: list[CorrespondentOut]


def _out(c) -> dict:
    return {
        "id": c.id, "agency_id": c.agency_id, "kind": c.kind, "kind_label": c.get_kind_display(), "name": c.name,
        "email": c.email, "fax": c.fax, "phone": c.phone, "postal_address": c.postal_address,
        "postal_code": c.postal_code, "exchange_code": c.exchange_code, "prefer": c.prefer,
        "channel": channel_for(c),
    }


@router.get("/correspondents", response=CorrespondentPage, summary="طرف‌های مکاتبه دفترچه نشانی‌های من")
def correspondents(request, query: Query[CorrespondentQuery]):
    qs = policy.contacts_of(request.user).filter(active=True)
    if query.agency_id:
        qs = qs.filter(agency_id=query.agency_id)
    if query.kind:
        qs = qs.filter(kind=query.kind)
    text = " ".join(query.q.split())
    if text:
        match = Q(search_name__contains=normalize(text)) | Q(email__icontains=to_latin_digits(text))
        digits = "".join(ch for ch in to_latin_digits(text) if ch.isdigit())
        if len(digits) >= 3:
            match |= Q(fax__contains=digits)
        qs = qs.filter(match)
    qs = qs.order_by("name", "id")
    rows = list(qs[query.offset: query.offset + query.limit])
    return {"total": qs.count(), "limit": query.limit, "offset": query.offset, "items": [_out(c) for c in rows]}
