"""Signing throughput, PDF render and PAdES-sign time, verification time, each against the bare cryptography.

Run by the orchestrator as `python -m bench.signing --out FILE --letters 300 --pdfs 30 --verify 60
--pdf-on sqlite` with DABIR_DATABASE_URL set. Builds a world whose agency has its own CA
(signing.services.create_authority) and a manager position holding a certificate
(signing.services.issue_certificate, ECDSA P-256), and 2 × --letters outgoing drafts written by an
expert, submitted for the manager's signature (not timed). Then, one letter at a time:

  sign      signing.services.sign(user, seat, letter): version snapshot (canonical JSON), key
            decrypted from the database, ECDSA over the canonical bytes, Signature row, circuit step,
            audit entry — one transaction
  approve   letters.services.approve(...) on the other half: the same signature through the
            approval (signing.approve_step), plus the referral closed and the letter approved
  bare      keys.sign_bytes(key, canonical bytes) with the same key on the same bytes (key already
            in memory); and keys.signer_material(certificate) alone (the key decryption each
            signature pays)

Where --pdf-on names this database (PDF rendering is CPU work with a few queries; one database is
enough), on --pdfs approved-and-registered letters:

  render    pdf.render_letter(version): HTML template → WeasyPrint PDF, on a warm renderer
            (font configuration and stylesheet kept), the first render of each version (its QR made)
  cold      the same letter laid out with a new font configuration and stylesheet parse, as every
            render did before the warm renderer (same HTML, same stylesheet): the ratio to `render`
  pades     pades.sign_pdf(pdf, signatures): the PAdES signature added to the rendered PDF
  render+pades  the sum of the two for each letter (the issue's target: p50 <= 150 ms)
  letter_pdf pdf.letter_pdf(version) the first time: render + PAdES sign + store the file

Verification on every database, on --verify signed versions: verify.verify_version(version)
(canonical hash, attachments, each signature against its certificate, chain and revocation), and
pdf.check_uploaded_pdf(bytes) on the stored PDFs (lookup by hash, pyHanko validation of the PAdES
signature, then verify_version); baseline keys.verify_bytes on the same bytes.
"""

from __future__ import annotations

import time

from bench.common import db_version, phase_args, ratio, setup_django, summary, write_result


def build(world, n: int) -> dict:
    """An agency CA, a manager with a certificate, n drafts awaiting the manager's signature."""
    from django.contrib.auth.hashers import make_password

    from bench.corpus import Generator
    from dabir.accounts.models import User
    from dabir.letters import services as letters
    from dabir.orgs.models import Assignment, Position
    from dabir.orgs.selectors import Seat
    from dabir.signing import services as signing

    # X.509 names with Persian text must begin and end with a Persian letter (RFC 4518 bidi rule).
    world.agency.name = "استانداری سنجش امضا خوزستان"
    world.agency.save(update_fields=["name"])
    manager = User.objects.create(username=f"manager-{world.agency.code}", first_name="علی", last_name="مدیری",
                                  password=make_password(None))
    manager_pos = Position.objects.create(unit=world.unit, title="مدیرکل", code=f"M{world.agency.code}"[:32],
                                          can_sign=True, is_manager=True)
    Assignment.objects.create(user=manager, position=manager_pos, role=Assignment.Role.HOLDER)
    t0 = time.perf_counter()
    signing.create_authority(agency=world.agency, name="مرجع صدور گواهی سنجش")
    certificate = signing.issue_certificate(position=manager_pos)
    ca_s = time.perf_counter() - t0

    gen = Generator(seed=23)
    expert_seat = Seat(world.expert_pos, False)
    drafts = []
    t0 = time.perf_counter()
    for _ in range(n):
        letter = letters.create_draft(
            user=world.expert, seat=expert_seat, kind="outgoing", subject=gen.subject(), body=gen.body(),
            to=["جناب آقای دکتر احمدی، مدیرکل محترم دفتر بودجه سازمان برنامه و بودجه"],
            cc=[world.clerk_pos.id], signer_position_id=manager_pos.id,
        )
        letters.submit_for_signature(user=world.expert, seat=expert_seat, letter=letter)
        drafts.append(letter)
    return {"manager": manager, "manager_pos": manager_pos, "certificate": certificate, "drafts": drafts,
            "setup": {"authority_and_certificate_s": round(ca_s, 3), "drafts": n,
                      "drafts_s": round(time.perf_counter() - t0, 1)}}


def cold_render(version) -> bytes:
    """A letter rendered with no warm state: a new WeasyPrint font configuration (fonts loaded into
    fontconfig again) and the stylesheet parsed again, as pdf.render_letter did before it kept them."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from dabir.signing import pdf

    font_config, fetcher = FontConfiguration(), pdf._LocalOnlyFetcher()
    base = pdf.FONTS_DIR.as_uri() + "/"
    css = CSS(string=pdf.STYLESHEET.read_text(encoding="utf-8"), base_url=base, url_fetcher=fetcher,
              font_config=font_config)
    html = pdf.render_html(version.letter, version)
    return HTML(string=html, base_url=base, url_fetcher=fetcher).write_pdf(
        stylesheets=[css], font_config=font_config, pdf_identifier=f"dabir-{version.letter.uid.hex}".encode(),
    )


def per_second(latencies: list[float]) -> float | None:
    total = sum(latencies)
    return round(len(latencies) / total, 1) if total else None


def stats(latencies: list[float]) -> dict:
    return {**summary(latencies), "per_s": per_second(latencies)}


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=300, help="signatures per variant (sign, approve)")
    parser.add_argument("--pdfs", type=int, default=30, help="letters rendered and PAdES-signed")
    parser.add_argument("--verify", type=int, default=60, help="versions verified")
    parser.add_argument("--pdf-on", default="sqlite", help="the database the PDF timings are taken on")
    args = parser.parse_args(argv)
    vendor = setup_django()

    from bench.world import make_world
    from dabir.core import audit
    from dabir.letters import services as letters
    from dabir.orgs.selectors import Seat
    from dabir.signing import keys, pdf, verify
    from dabir.signing import services as signing
    from dabir.signing.models import Signature

    n = args.letters
    world = make_world("sign")
    built = build(world, 2 * n + 2)
    manager, manager_pos, certificate = built["manager"], built["manager_pos"], built["certificate"]
    seat = Seat(manager_pos, False)
    warm_sign, warm_approve = built["drafts"][-2:]
    to_sign, to_approve = built["drafts"][:n], built["drafts"][n:2 * n]

    # Warm-up outside the timings (imports, first queries), counting the queries of one of each.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as q_sign:
        signing.sign(user=manager, seat=seat, letter=warm_sign)
    with CaptureQueriesContext(connection) as q_approve:
        letters.approve(user=manager, seat=seat, letter=warm_approve)

    sign_lat = []
    for letter in to_sign:
        t0 = time.perf_counter()
        signing.sign(user=manager, seat=seat, letter=letter)
        sign_lat.append(time.perf_counter() - t0)

    approve_lat = []
    for letter in to_approve:
        t0 = time.perf_counter()
        letters.approve(user=manager, seat=seat, letter=letter)
        approve_lat.append(time.perf_counter() - t0)

    # The bare operation, same key and same canonical bytes as the signatures above.
    versions = [signing.current_version(letter) for letter in to_sign]
    payloads = [v.canonical_bytes for v in versions]
    key, cert, _chain = keys.signer_material(certificate)
    bare_lat, values = [], []
    for data in payloads:
        t0 = time.perf_counter()
        value, algorithm = keys.sign_bytes(key, data)
        bare_lat.append(time.perf_counter() - t0)
        values.append(value)
    material_lat = []
    for _ in range(n):
        t0 = time.perf_counter()
        keys.signer_material(certificate)
        material_lat.append(time.perf_counter() - t0)
    public = cert.public_key()
    bare_verify_lat = []
    for data, value in zip(payloads, values, strict=True):
        t0 = time.perf_counter()
        assert keys.verify_bytes(public, value, data, algorithm)
        bare_verify_lat.append(time.perf_counter() - t0)

    signatures_made = Signature.objects.filter(certificate=certificate).count()
    canonical_sizes = sorted(len(p) for p in payloads)

    # Register the approved letters (not timed) so their PDFs carry official numbers.
    approved = to_approve[: max(args.pdfs, min(args.verify, n))]
    for letter in approved:
        letter.refresh_from_db()
        letters.register_letter(user=world.clerk, letter=letter)
    approved_versions = [signing.current_version(letter) for letter in approved]

    result_pdf: dict = {"measured": False, "reason": f"PDF timings are taken on {args.pdf_on} only"}
    pdf_bytes: list[bytes] = []
    if vendor == args.pdf_on:
        from dabir.signing import pades

        sample = approved_versions[: args.pdfs]
        pdf.render_letter(approved_versions[-1])  # warm-up: this thread's renderer, templates
        cold_render(approved_versions[-1])
        render_lat, cold_lat, pades_lat, sum_lat, full_lat, sizes = [], [], [], [], [], []
        for version in sample:
            sigs = list(version.signatures.select_related("certificate__authority", "position__unit__agency", "user"))
            t0 = time.perf_counter()
            data = pdf.render_letter(version)
            render_lat.append(time.perf_counter() - t0)
            t0 = time.perf_counter()  # after the warm render: its QR is cached, which favours the cold one
            cold_render(version)
            cold_lat.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pades.sign_pdf(data, sigs)
            pades_lat.append(time.perf_counter() - t0)
            sum_lat.append(render_lat[-1] + pades_lat[-1])
            t0 = time.perf_counter()
            stored = pdf.letter_pdf(version)
            full_lat.append(time.perf_counter() - t0)
            sizes.append(len(stored))
            pdf_bytes.append(stored)
        result_pdf = {
            "measured": True, "letters": len(sample), "render": stats(render_lat), "render_cold": stats(cold_lat),
            "pades_sign": stats(pades_lat), "render_plus_pades": stats(sum_lat),
            "ratio_render_warm_vs_cold_p50": ratio(summary(render_lat)["p50_ms"], summary(cold_lat)["p50_ms"]),
            "letter_pdf": stats(full_lat), "pdf_kb_p50": round(sorted(sizes)[len(sizes) // 2] / 1024, 1),
            "pages_signed_by": "one signer (ECDSA P-256)",
        }

    # Verification, on every database: versions signed above, and the stored PDFs.
    verify_sample = approved_versions[: min(args.verify, len(approved_versions))]
    if len(pdf_bytes) < min(len(verify_sample), args.pdfs):  # this database had no PDF timings: make some
        pdf_bytes = [pdf.letter_pdf(v) for v in verify_sample[: args.pdfs]]
    verify.verify_version(verify_sample[0])  # warm-up
    verify_lat, verify_ok = [], 0
    for version in verify_sample:
        t0 = time.perf_counter()
        report = verify.verify_version(version)
        verify_lat.append(time.perf_counter() - t0)
        verify_ok += report.ok
    check_lat, check_ok, check_failed = [], 0, []
    for data in pdf_bytes:
        t0 = time.perf_counter()
        report = pdf.check_uploaded_pdf(data)
        check_lat.append(time.perf_counter() - t0)
        check_ok += report.ok
        if not report.ok:
            check_failed.append(report.failed())

    chain = audit.verify()
    sign_s, approve_s, bare_s = stats(sign_lat), stats(approve_lat), stats(bare_lat)
    write_result(args.out, {
        "available": True, "db": vendor, "db_version": db_version(), "setup": built["setup"],
        "key": "ECDSA P-256 (issue_certificate default)", "canonical_bytes_p50": canonical_sizes[len(canonical_sizes) // 2],
        "sign": sign_s, "approve": approve_s, "bare_sign": bare_s,
        "signer_material": stats(material_lat), "bare_verify": stats(bare_verify_lat),
        "ratio_sign_vs_bare_p50": ratio(sign_s["p50_ms"], bare_s["p50_ms"]),
        "ratio_approve_vs_bare_p50": ratio(approve_s["p50_ms"], bare_s["p50_ms"]),
        "signatures_made": signatures_made, "signatures_expected": 2 * n + 2,
        "queries": {"sign": len(q_sign.captured_queries), "approve": len(q_approve.captured_queries)},
        "pdf": result_pdf,
        "verify_version": {**stats(verify_lat), "ok": verify_ok},
        "check_uploaded_pdf": {**stats(check_lat), "ok": check_ok, "failed": check_failed[:3]},
        "ratio_verify_vs_bare_verify_p50": ratio(summary(verify_lat)["p50_ms"], summary(bare_verify_lat)["p50_ms"]),
        "audit_chain": {"ok": chain.ok, "checked": chain.checked, "reason": chain.reason},
    })


def report(results: dict) -> str:
    from bench.common import fmt, table

    rows, notes = [], []
    for db, r in results.items():
        if not r.get("available"):
            rows.append([db, r.get("reason", "not available"), "", "", "", "", ""])
            continue
        bare = r["bare_sign"]["p50_ms"]
        lines = [
            ("keys.sign_bytes (bare ECDSA)", r["bare_sign"], bare),
            ("keys.signer_material (key decrypt)", r["signer_material"], bare),
            ("signing.services.sign", r["sign"], bare),
            ("letters.services.approve", r["approve"], bare),
        ]
        pdf_part = r["pdf"]
        if pdf_part.get("measured"):
            lines += [("pdf.render_letter (warm renderer)", pdf_part["render"], bare)]
            if "render_cold" in pdf_part:
                lines += [("render, cold (new fonts+stylesheet)", pdf_part["render_cold"], bare)]
            lines += [("pades.sign_pdf (on rendered PDF)", pdf_part["pades_sign"], bare)]
            if "render_plus_pades" in pdf_part:
                lines += [("render + PAdES (per letter)", pdf_part["render_plus_pades"], bare)]
            lines += [("pdf.letter_pdf (render+sign+store)", pdf_part["letter_pdf"], bare)]
        vbare = r["bare_verify"]["p50_ms"]
        lines += [
            ("keys.verify_bytes (bare ECDSA)", r["bare_verify"], vbare),
            ("verify.verify_version", r["verify_version"], vbare),
            ("pdf.check_uploaded_pdf", r["check_uploaded_pdf"], vbare),
        ]
        for label, s, base in lines:
            rows.append([f"{db} {label}", s["n"], fmt(s["per_s"], "/s"), fmt(s["p50_ms"], " ms"),
                         fmt(s["p95_ms"], " ms"), fmt(s["max_ms"], " ms"), fmt(ratio(s["p50_ms"], base), "×")])
        notes.append(
            f"{db}: {r['signatures_made']} signatures made of {r['signatures_expected']} expected; "
            f"queries per sign {r['queries']['sign']}, per approve {r['queries']['approve']}; "
            f"canonical bytes p50 {r['canonical_bytes_p50']}; verify_version ok {r['verify_version']['ok']}/"
            f"{r['verify_version']['n']}; check_uploaded_pdf ok {r['check_uploaded_pdf']['ok']}/"
            f"{r['check_uploaded_pdf']['n']}; audit chain verified: "
            f"{'yes' if r['audit_chain']['ok'] else 'NO ' + str(r['audit_chain']['reason'])} "
            f"({r['audit_chain']['checked']:,} entries)"
            + ("" if pdf_part.get("measured") else f"; {pdf_part['reason']}")
            + (f"; PDF p50 size {pdf_part['pdf_kb_p50']} KB" if pdf_part.get("measured") else "")
            + (f"; render warm vs cold p50 {fmt(pdf_part['ratio_render_warm_vs_cold_p50'], '×')}; render + PAdES "
               f"p50 {fmt(pdf_part['render_plus_pades']['p50_ms'], ' ms')} (target <= 150 ms)"
               if pdf_part.get("render_plus_pades") else "")
        )
    head = ["operation", "n", "per second (serial)", "p50", "p95", "max", "p50 vs bare"]
    return "\n".join([table(head, rows), *notes,
                      "(p50 vs bare: against keys.sign_bytes for signing and PDF rows, keys.verify_bytes for "
                      "verification rows; one letter at a time, one thread)"])


if __name__ == "__main__":
    main()
