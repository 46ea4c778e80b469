"""Who the exchange tells (the bell): a letter's delivery that failed for good → the clerks of the
letter's secretariat, in the transaction that marks the transfer failed (outbox._fail).

The title names the letter as letters.notices does (never a classified letter's subject) and the
member it did not reach; the notice opens the letter's page, whose exchange panel offers the retry.
"""

from dabir.letters import notices as letter_notices
from dabir.notify import notices

from .models import Delivery
from .names import NoticeKind


def delivery_failed(delivery: Delivery) -> None:
    """Every active clerk of the sending secretariat is told once per failure."""
    letter = delivery.letter
    if letter.secretariat_id is None:
        return
    clerks = letter.secretariat.clerks.filter(is_active=True)
    notices.notify(
        clerks, kind=NoticeKind.DELIVERY_FAILED,
        title=f"ارسال الکترونیکی ناموفق: {letter_notices.letter_label(letter)} به «{delivery.member.name}»",
        body="پس از چند بار تلاش نرسید؛ از فهرست ارسال‌ها دوباره بفرستید یا با روش دیگری ارسال کنید.",
        url=letter_notices.letter_url(letter), related=f"exchange.transfer:{delivery.transfer_id}",
    )
