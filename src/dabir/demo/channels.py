"""The channels part of the demo, for the governorate's central secretariat (the first agency):

- its mailbox, set up through services.mailboxes (receiving left off: the demo has no mail server, and
  the worker would try the agency's every minute; the admin's «آزمایش اتصال» shows why);
- an intake queue of e-mails and faxes built as real messages (.eml bytes, multi-page TIFF faxes of
  rendered Persian pages) and stored by receiving.store_message, the poller's own path; two registered
  and one discarded by the clerk through the intake services;
- an address book of ~25 Khuzestan correspondents through services.contacts;
- today's post dispatch list: letters drafted, signed, numbered and dispatched by post or courier
  through the letters services, tracking numbers, costs, a receipt and a return through services.post;
- letters sent by e-mail and fax, delivered by services.sending to an SMTP server on the loopback for
  the load (aiosmtpd), one refused by it (550) so the outbox shows a failure;
- three incoming paper letters registered with generated scans, read by the OCR service at once.
"""

import datetime as dt
import io
import socket
import time
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from pathlib import Path

from django.db import transaction
from django.utils import timezone

import dabir.signing
from dabir.accounts.models import User
from dabir.channels.models import IntakeItem, Mailbox, PostDispatch, Security, Transmission
from dabir.channels.services import contacts, intake, mailboxes, ocr, post, receiving, sending
from dabir.exchange.models import Member
from dabir.letters import services as letters
from dabir.letters.models import Kind
from dabir.letters.services import ReferralSpec, Upload
from dabir.orgs.models import Agency, Assignment, Position
from dabir.orgs.selectors import Seat

from . import channels_data as D
from . import data

FONT = Path(dabir.signing.__file__).resolve().parent / "fonts" / "Vazirmatn-Regular.ttf"
AUTHOR, SIGNER = "os.econ.exp", "os.econ"


# ---------------------------------------------------------------- scans and documents


def _pages_pdf(pages: list[list[str]]) -> bytes:
    """Persian pages laid out by WeasyPrint in Vazirmatn, one section a page."""
    from weasyprint import HTML

    body = "".join("<section>" + "".join(f"<p>{line}</p>" for line in lines) + "</section>" for lines in pages)
    return HTML(string=f"""<html dir="rtl" lang="fa"><head><style>
        @font-face {{ font-family: V; src: url("{FONT.as_uri()}"); }}
        @page {{ size: A4; margin: 2.5cm; }}
        body {{ font-family: V; font-size: 15pt; line-height: 2; }}
        section + section {{ page-break-before: always; }}
    </style></head><body>{body}</body></html>""").write_pdf()


def _scanned(pdf: bytes, dpi: int = 200):
    """The pages as a scanner gives them: greyscale images, slightly skewed."""
    import pypdfium2

    doc = pypdfium2.PdfDocument(pdf)
    try:
        return [page.render(scale=dpi / 72).to_pil().convert("L").rotate(0.4, fillcolor=255) for page in doc]
    finally:
        doc.close()


def _tiff(images, dpi: int = 200) -> bytes:
    out = io.BytesIO()
    # A fax machine's format: bilevel pages in one multi-page TIFF.
    pages = [img.point(lambda v: 255 if v > 150 else 0).convert("1") for img in images]
    pages[0].save(out, "TIFF", save_all=True, append_images=pages[1:], compression="group4", dpi=(dpi, dpi))
    return out.getvalue()


def _scan_pdf(images, dpi: int = 200) -> bytes:
    import img2pdf

    blobs = []
    for img in images:
        out = io.BytesIO()
        img.save(out, "JPEG", quality=80, dpi=(dpi, dpi))
        blobs.append(out.getvalue())
    return img2pdf.convert(blobs)


# ---------------------------------------------------------------- messages


def _email(sender: str, address: str, subject: str, text, html, files, when) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr((sender, address))
    message["To"] = D.MAILBOX["address"]
    message["Subject"] = subject
    message["Date"] = formatdate(when.timestamp(), localtime=True)
    message["Message-ID"] = make_msgid(domain=address.rpartition("@")[2])
    if text:
        message.set_content(text)
    else:
        message.set_content(html, subtype="html")
    for name, kind in files:
        if kind == "pdf":
            content = _pages_pdf([[subject, *(text or "").splitlines()]])
            message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
        else:  # Outlook's rich-text wrapper, cut short as a relaying server sometimes leaves it
            message.add_attachment(b"\x9f\x3e\x22\x01\x06\x90\x08\x00", maintype="application",
                                   subtype="ms-tnef", filename=name)
    return message.as_bytes()


def _fax(number: str, subject: str, lines: list[str], pages: int, when) -> bytes:
    message = EmailMessage()
    message["From"] = formataddr(("کارساز نمابر", D.FAX_FROM))
    message["To"] = D.MAILBOX["address"]
    message["Subject"] = subject
    message["Date"] = formatdate(when.timestamp(), localtime=True)
    message["Message-ID"] = make_msgid(domain="fax.ostandari-kh.ir")
    message["X-Fax-From"] = number
    message.set_content(f"نمابر رسیده از {number}، {pages} برگ.")
    sheets = [[*lines, f"برگ {page + 1} از {pages}"] for page in range(pages)]
    message.add_attachment(_tiff(_scanned(_pages_pdf(sheets))), maintype="image", subtype="tiff",
                           filename=f"fax-{number}.tif")
    return message.as_bytes()


# ---------------------------------------------------------------- the part


class ChannelsDemo:
    def __init__(self, *, log=None):
        self.log = log or (lambda message: None)
        self.admin = User.objects.get(username="admin")
        spec = data.AGENCIES[0]
        self.agency = Agency.objects.get(code=spec["code"])
        self.secretariat = self.agency.secretariats.order_by("id").first()
        self.clerk = User.objects.get(username=spec["clerks"][0])
        self.positions = {p.code.lower(): p for p in Position.objects.filter(unit__agency=self.agency)}
        self.now = timezone.now()

    def _seat(self, key: str) -> tuple[User, Seat]:
        position = self.positions[key]
        holder = Assignment.objects.get(position=position, role=Assignment.Role.HOLDER).user
        return holder, Seat(position, False)

    def mailbox(self, smtp_port: int) -> Mailbox:
        # While loading, the mailbox sends to the loopback server; no password (that server asks none).
        box = Mailbox(secretariat=self.secretariat, receives=False, sends=True, smtp_host="127.0.0.1",
                      smtp_port=smtp_port, smtp_security=Security.NONE, imap_host=D.SERVERS["imap_host"],
                      **D.MAILBOX)
        return mailboxes.save_mailbox(user=self.admin, mailbox=box)

    def address_book(self) -> int:
        codes = dict(Member.objects.filter(agency__isnull=False).values_list("agency__code", "code"))
        keys = {spec["key"]: spec["code"] for spec in data.AGENCIES}
        for kind, name, email, fax, address, postal_code, exchange, prefer in D.CORRESPONDENTS:
            contacts.save_correspondent(
                user=self.clerk, agency=self.agency, kind=kind, name=name, email=email, fax=fax,
                postal_address=address, postal_code=postal_code, prefer=prefer,
                exchange_code=codes.get(keys.get(exchange), "") if exchange else "")
        return len(D.CORRESPONDENTS)

    def queue(self, box: Mailbox) -> dict:
        items = {}
        for i, (key, sender, address, subject, text, html, files) in enumerate(D.EMAILS):
            when = self.now - dt.timedelta(hours=3 * (len(D.EMAILS) - i))
            raw = _email(sender, address, subject, text, html, files, when)
            items[key], _created = receiving.store_message(box, raw, uidvalidity=1, uid=i + 1)
        for j, (number, subject, lines, pages) in enumerate(D.FAXES):
            raw = _fax(number, subject, lines, pages, self.now - dt.timedelta(hours=j + 1))
            receiving.store_message(box, raw, uidvalidity=1, uid=len(D.EMAILS) + j + 1)
        for key, desk in D.REGISTERED.items():
            item = items[key]
            intake.register_item(user=self.clerk, item=item, secretariat=self.secretariat, subject=item.subject,
                                 sender_name=item.sender_name or item.sender_address,
                                 refer_to=[ReferralSpec(position_id=self.positions[desk].id)])
        for key, reason in D.DISCARDED.items():
            intake.discard_item(user=self.clerk, item=items[key], reason=reason)
        return {"items": IntakeItem.objects.filter(mailbox=box).count()}

    def _outgoing(self, subject: str, recipient: str):
        author, author_seat = self._seat(AUTHOR)
        signer, signer_seat = self._seat(SIGNER)
        letter = letters.create_draft(
            user=author, seat=author_seat, kind=Kind.OUTGOING, subject=subject, to=[recipient],
            body=f"<p>با سلام و احترام،</p><p>{subject} به آگاهی می‌رسد.</p>", signer_position_id=signer_seat.position.id)
        letters.submit_for_signature(user=author, seat=author_seat, letter=letter)
        letters.approve(user=signer, seat=signer_seat, letter=letter)
        return letters.register_letter(user=self.clerk, letter=letter)

    def post_list(self) -> int:
        for subject, recipient, channel, method, tracking, cost, outcome in D.POST:
            letter = self._outgoing(subject, recipient)
            letters.dispatch(user=self.clerk, letter=letter, channel=channel)
            row = PostDispatch.objects.filter(letter=letter).first()
            if method != row.method or tracking or cost is not None:
                row = post.update_dispatch(user=self.clerk, dispatch=row, method=method, tracking_number=tracking,
                                           cost=cost)
            if outcome:
                post.record_outcome(user=self.clerk, dispatch=row, state=outcome,
                                    note=D.RETURN_NOTE if outcome == "returned" else "")
        return PostDispatch.objects.filter(secretariat=self.secretariat).count()

    def transmissions(self) -> list[int]:
        ids = []
        for subject, recipient, channel in D.MAIL:
            letter = self._outgoing(subject, recipient)
            letters.dispatch(user=self.clerk, letter=letter, channel=channel)
            ids += list(Transmission.objects.filter(letter=letter).values_list("pk", flat=True))
        return ids

    def scans(self) -> int:
        read = 0
        for sender, subject, lines, desk in D.SCANS:
            pdf = _scan_pdf(_scanned(_pages_pdf([lines])))
            letter = letters.register_incoming(
                user=self.clerk, secretariat=self.secretariat, subject=subject, sender_name=sender, channel="post",
                uploads=[Upload("اسکن-نامه.pdf", pdf, is_scan=True)],
                refer_to=[ReferralSpec(position_id=self.positions[desk].id)])
            for attachment in letter.attachments.all():
                read += ocr.read(attachment.pk) == "done"  # now, so the text is there when the demo starts
        return read


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server():
    """An SMTP server on the loopback for the load: takes every message but the refused address's."""
    from aiosmtpd.controller import Controller

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            if address == D.REFUSED:
                return "550 5.1.1 <info@nidc.ir>: Recipient address rejected: User unknown"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    return controller


def date_back_post() -> int:
    """Demo only, like the loader's back-dating: the historic letters' post lines go to their dispatch
    days, so today's list holds today's letters alone (their receipts are left for a clerk to record)."""
    from dabir.core.jalali import TEHRAN

    rows = list(PostDispatch.objects.select_related("letter").filter(letter__dispatched_at__isnull=False))
    moved = []
    for row in rows:
        sent = row.letter.dispatched_at
        if sent.astimezone(TEHRAN).date() < row.day:
            row.day, row.created_at = sent.astimezone(TEHRAN).date(), sent
            moved.append(row)
    PostDispatch.objects.bulk_update(moved, ["day", "created_at"], batch_size=200)
    return len(moved)


def load(*, log=None) -> dict:
    log = log or (lambda message: None)
    started = time.monotonic()
    demo = ChannelsDemo(log=log)
    date_back_post()
    server = _server()
    try:
        with transaction.atomic():
            box = demo.mailbox(server.port)
            book = demo.address_book()
            queue = demo.queue(box)
            posted = demo.post_list()
            sent = demo.transmissions()
        for pk in sent:  # committed first: the worker's path reads committed rows
            sending.deliver(pk)
    finally:
        server.stop()
    with transaction.atomic():
        read = demo.scans()
        # From now on the mailbox names the agency's own servers (unreachable from the demo).
        box.smtp_host, box.smtp_port, box.smtp_security = D.SERVERS["smtp_host"], 465, Security.SSL
        mailboxes.save_mailbox(user=demo.admin, mailbox=box)
    summary = {**queue, "correspondents": book, "post": posted, "transmissions": len(sent), "ocr": read,
               "seconds": round(time.monotonic() - started, 1)}
    log(f"ایمیل، نمابر، پست و نویسه‌خوانی: {summary['items']} ایمیل و نمابر رسیده، {summary['correspondents']} نشانی، "
        f"{summary['post']} مرسوله پستی، {summary['transmissions']} ارسال ایمیل و نمابر، {summary['ocr']} اسکن خوانده‌شده.")
    return summary
