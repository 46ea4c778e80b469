"""E-mail in: messages fetched from a local IMAP server and queued per second, vs a bare IMAP FETCH.

Run as `python -m bench.channels_mail --out FILE --messages 500` with DABIR_DATABASE_URL set (the
orchestrator's pattern). Starts Debian's dovecot over TLS in a temporary directory (tests/channels/
dovecot.py), appends N messages of the mixed kinds the intake meets (plain, Persian encoded subjects,
HTML-only, nested with inline image and PDF, winmail.dat, a 3-page TIFF fax), then times:

  fetch   the baseline: one IMAP session, UID SEARCH, then UID FETCH (BODY.PEEK[]) of each message,
          nothing else — what any client pays to read the mailbox
  parse   channels.parsing.parse of the same bytes, no database
  poll    channels.services.polling.poll_mailbox: lease, fetch, parse, store (item, files, raw .eml,
          audit entry, one transaction per message), then the mark on the server — the whole path

and prints messages per second of each and poll's ratio to fetch.
"""

from __future__ import annotations

import shutil
import ssl
import tempfile
import time
from pathlib import Path

from bench.common import db_version, fmt, phase_args, ratio, setup_django, table, write_result

DOVECOT = "/usr/sbin/dovecot"


def _messages(n: int) -> list[bytes]:
    from tests.channels import messages as m

    kinds = [lambda i: m.plain(f"نامه شماره {i}", message_id=f"<bench-{i}@x>"),
             lambda i: m.encoded_subject("windows-1256", "Q").replace(b"<enc-", f"<b{i}-".encode()),
             lambda i: m.html_only().replace(b"<html-only@x>", f"<html-{i}@x>".encode()),
             lambda i: m.nested_inline().replace(b"<nested@x>", f"<nested-{i}@x>".encode()),
             lambda i: m.winmail().replace(b"<winmail-", f"<w{i}-".encode())]
    out = [kinds[i % len(kinds)](i) for i in range(n)]
    fax = m.fax()
    for i in range(0, n, 25):  # one fax in 25: a 3-page TIFF made into a PDF
        out[i] = fax.replace(b"<fax-", f"<f{i}-".encode())
    return out


def _fetch_all(server, user: str) -> tuple[float, int]:
    import imaplib

    started = time.perf_counter()
    imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=ssl.create_default_context(cadata=server.ca_pem))
    imap.login(user, server.users[user])
    imap.select("INBOX")
    _, data = imap.uid("SEARCH", "ALL")
    size = 0
    for uid in data[0].split():
        _, got = imap.uid("FETCH", uid, "(BODY.PEEK[])")
        size += len(got[0][1])
    imap.logout()
    return time.perf_counter() - started, size


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    args = parser.parse_args(argv)
    vendor = setup_django()
    if not Path(DOVECOT).exists():
        write_result(args.out, {"available": False, "reason": "dovecot (package dovecot-imapd) is not installed"})
        return
    from tests.channels import dovecot

    from bench.world import make_world
    from dabir.channels.models import IntakeItem
    from dabir.channels.parsing import parse
    from dabir.channels.services.polling import poll_mailbox

    root = Path(tempfile.mkdtemp(prefix="dabir-bench-dovecot-"))
    server = dovecot.start(root)
    try:
        server.add_user("bench", "bench-password")
        raws = _messages(args.messages)
        server.append("bench", *raws)
        world = make_world("mail")
        box = dovecot.make_mailbox(world.secretariat, server, "bench")
        fetch_s, size = _fetch_all(server, "bench")
        started = time.perf_counter()
        for raw in raws:
            parse(raw)
        parse_s = time.perf_counter() - started
        started = time.perf_counter()
        queued = 0
        while True:  # rounds of DABIR_MAIL_POLL_BATCH until the mailbox is empty
            got = poll_mailbox(box)
            if got <= 0:
                break
            queued += got
        poll_s = time.perf_counter() - started
        if box.last_error:
            raise SystemExit(box.last_error)
        stored = IntakeItem.objects.filter(mailbox=box).count()
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)
    n = args.messages
    rate = {"fetch": n / fetch_s, "parse": n / parse_s, "poll": queued / poll_s}
    result = {
        "available": True, "db": vendor, "db_version": db_version(), "messages": n, "bytes": size,
        "queued": queued, "stored": stored, "seconds": {"fetch": fetch_s, "parse": parse_s, "poll": poll_s},
        "per_second": {k: round(v, 1) for k, v in rate.items()},
        "ratio_poll_vs_fetch": ratio(poll_s, fetch_s),
    }
    print(table(["step", "messages/s", "seconds"],
                [[k, f"{rate[k]:.1f}", f"{result['seconds'][k]:.2f}"] for k in ("fetch", "parse", "poll")]))
    print(f"poll (fetch + parse + store + mark) takes {result['ratio_poll_vs_fetch']}× a bare FETCH "
          f"({n} messages, {size / 1e6:.1f} MB, {vendor})")
    write_result(args.out, result)


def report(results: dict) -> str:
    """The table `python -m bench` prints: messages per second of each step, and the poll against FETCH."""
    rows = []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", ""])
            continue
        for step, label in (("fetch", "bare IMAP FETCH (baseline)"), ("parse", "parse only"),
                            ("poll", "poll: fetch + parse + store + mark")):
            rows.append([f"{db} {label}", r["messages"], fmt(r["per_second"][step], " msg/s"),
                         fmt(r["seconds"][step], " s"),
                         "1×" if step == "fetch" else fmt(ratio(r["seconds"][step], r["seconds"]["fetch"]), "×")])
    return table(["e-mail in", "messages", "rate", "time", "vs FETCH"], rows)


if __name__ == "__main__":
    main()
