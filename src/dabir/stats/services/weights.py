"""Setting the paperless index's weights: the national default ('') or one province's row, by the
supervisor over it, with the before and after in the audit log."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from dabir.core import audit
from dabir.core.errors import DomainError, NotAllowed
from dabir.core.text import typed_number

from .. import policy
from ..figures import COMPONENT_LABELS
from ..models import IndexWeights
from ..names import AuditAction

NOT_ALLOWED = "وزن‌های شاخص را فقط ناظر کشوری (وزن پیش‌فرض) یا ناظر همان استان تعیین می‌کند."
PRINT_CAP_MIN, PRINT_CAP_MAX = Decimal("0.5"), Decimal("20")


def _text(value) -> str:
    # A weight or a cap as typed; «/» is also written for the decimal point («۱/۵»).
    return typed_number(value).replace("/", ".")


def parse_weight(value, field: str) -> int:
    """One component's weight: a whole number 0–100, or DomainError (Persian) naming the field."""
    label = COMPONENT_LABELS[field]
    text = _text(value)
    if not text:
        raise DomainError(f"وزن «{label}» را وارد کنید (۰ تا ۱۰۰).", field=field)
    if not (text.isascii() and text.isdigit()):
        raise DomainError(f"وزن «{label}» باید عددی درست از ۰ تا ۱۰۰ باشد.", field=field)
    number = int(text)
    if number > 100:
        raise DomainError(f"وزن «{label}» بیش از ۱۰۰ است؛ عددی از ۰ تا ۱۰۰ بنویسید.", field=field)
    return number


def parse_print_cap(value) -> Decimal:
    text = _text(value)
    if not text:
        raise DomainError("سقف صفحه چاپی به ازای هر نامه را وارد کنید.", field="print_cap")
    try:
        cap = Decimal(text)
    except InvalidOperation:
        cap = None
    if cap is None or not cap.is_finite():
        raise DomainError("سقف صفحه چاپی باید عدد باشد، مثلاً ۲ یا ۱٫۵.", field="print_cap")
    if not PRINT_CAP_MIN <= cap <= PRINT_CAP_MAX:
        raise DomainError("سقف صفحه چاپی به ازای هر نامه باید از ۰٫۵ تا ۲۰ باشد.", field="print_cap")
    if cap != cap.quantize(Decimal("0.01")):
        raise DomainError("سقف صفحه چاپی حداکثر دو رقم اعشار دارد.", field="print_cap")
    return cap


def _snapshot(row: IndexWeights | None) -> dict | None:
    if row is None:
        return None
    return {**row.as_dict(), "print_cap": str(row.print_cap)}


@transaction.atomic
def set_weights(*, user, province, incoming, outgoing, exchange, signature, printing, managers, connected,
                print_cap) -> IndexWeights:
    """Save the weights of `province` ('' = the national default) and record the change."""
    allowed = policy.weights_province(user)
    province = (province or "").strip()
    if allowed is None or province != allowed:
        raise NotAllowed(NOT_ALLOWED)
    given = {"incoming": incoming, "outgoing": outgoing, "exchange": exchange, "signature": signature,
             "printing": printing, "managers": managers, "connected": connected}
    values = {name: parse_weight(value, name) for name, value in given.items()}
    if not any(values.values()):
        raise DomainError("دست‌کم یکی از وزن‌ها باید بیش از صفر باشد.")
    cap = parse_print_cap(print_cap)
    before = IndexWeights.objects.select_for_update().filter(province=province).first()
    old = _snapshot(before)
    row, _ = IndexWeights.objects.update_or_create(
        province=province, defaults={**values, "print_cap": cap, "updated_by": user, "updated_at": timezone.now()})
    audit.record(action=AuditAction.WEIGHTS_SET, obj=row, actor=user,
                 data={"province": province, "before": old, "after": _snapshot(row)})
    return row
