"""`python -m bench` runs end to end with tiny sizes, so the benchmarks never rot.

No timing is asserted (timings belong to `make bench`); what is asserted is that every
benchmark ran against a fresh database and that its correctness checks held: numbers gapless
after concurrent registrations, the audit chain intact, pages answered 200, searches ran.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def run_bench(argv: list[str], suffix: str = "") -> tuple[subprocess.CompletedProcess, str]:
    """Run `python -m bench` on the test suite's engine; returns the process and the engine name."""
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine.endswith("postgresql"):
        db = settings.DATABASES["default"]
        # A database of this test's own: several suites may run on one server at once.
        argv = argv + ["--no-sqlite", "--pg-url",
                       f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/dabir_bench_smoke{suffix}_{os.getpid()}"]
        expected = "postgresql"
    else:
        argv = argv + ["--no-postgres"]
        expected = "sqlite"
    env = {k: v for k, v in os.environ.items() if k != "DABIR_DATABASE_URL"}
    return subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600), expected


def test_every_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    argv = [
        sys.executable, "-m", "bench", "--out", str(out), "--only", "numbering,search,inbox,api",
        "--numbering-n", "30", "--threads", "4",
        "--letters", "300", "--queries", "12", "--inbox-letters", "120", "--requests", "3",
        "--api-letters", "40", "--api-seconds", "20", "--workers", "2",
    ]
    proc, expected = run_bench(argv)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())
    assert results["machine"]["cpus"] >= 1
    bench = results["benchmarks"]
    assert set(bench) == {"numbering", "search", "inbox", "api"}
    for name, per_db in bench.items():
        assert per_db[expected]["available"], (name, per_db[expected], proc.stdout[-3000:])

    numbering = bench["numbering"][expected]
    assert numbering["gapless"]["numbered"] == {"count": 31 + 30, "gapless": True}  # warm-up + 1 thread + 4 threads
    assert numbering["threaded"]["numbered"]["error_count"] == 0
    assert numbering["ratio_numbered_vs_plain"] > 0

    search = bench["search"][expected]
    assert search["generation"]["letters"] == 300
    assert search["search"]["n"] == 12 and search["pk_lookup"]["n"] >= 12
    assert search["mean_hits"] > 0  # generated words are found

    inbox = bench["inbox"][expected]
    assert inbox["first_page"]["status"] == inbox["deep"]["status"] == inbox["login_page"]["status"] == 200
    assert inbox["first_page_shows_newest"]

    api = bench["api"][expected]
    assert api["register"]["error_count"] == 0 and api["me"]["error_count"] == 0
    assert api["registered"] == api["register"]["requests"] > 0
    assert api["gapless"] and api["audit_chain"]["ok"]

    # Tables are printed with their ratios; the temporary SQLite file is gone.
    assert "p50 vs pk p50" in proc.stdout and "slower than /api/me" in proc.stdout
    if expected == "sqlite":
        path = Path(results["databases"]["sqlite"].removeprefix("sqlite://"))
        assert path.parent == ROOT / "var" / "bench" and not path.exists()


def test_signing_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "signing",
                                "--sign-letters", "6", "--pdfs", "2", "--verify", "3"], "_sign")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(out.read_text())["benchmarks"]["signing"][expected]
    assert r["available"], (r, proc.stdout[-3000:])
    # Every timed call made its signature, and each is verifiable, in the database and in the PDF.
    assert r["signatures_made"] == r["signatures_expected"] == 2 * 6 + 2
    assert r["sign"]["n"] == r["approve"]["n"] == r["bare_sign"]["n"] == 6
    assert r["verify_version"]["n"] == r["verify_version"]["ok"] == 3
    assert r["check_uploaded_pdf"]["n"] == r["check_uploaded_pdf"]["ok"] == 2
    # PDF timings on the one database the orchestrator names (here the only one).
    assert r["pdf"]["measured"] and r["pdf"]["render"]["n"] == r["pdf"]["letter_pdf"]["n"] == 2
    assert r["queries"]["sign"] > 0 and r["ratio_sign_vs_bare_p50"] > 1
    assert r["audit_chain"]["ok"]
    assert "keys.sign_bytes (bare ECDSA)" in proc.stdout and "p50 vs bare" in proc.stdout


def test_desk_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "desk",
                                "--desk-requests", "5", "--services", "24", "--queries", "8",
                                "--track-clients", "4", "--track-seconds", "3", "--workers", "2"], "_desk")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(out.read_text())["benchmarks"]["desk"][expected]
    assert r["available"], (r, proc.stdout[-3000:])
    s = r["submissions"]
    # Each timed submission made its request, letter, referral, SMS and job, in one gapless series.
    assert s["requests"] == s["with_letter"] == s["referred"] == s["sms"] == s["sms_jobs"] == 5
    assert s["submit"]["n"] == s["register"]["n"] == 5 and s["gapless"]
    assert s["series_numbers"] == 2 * 5 + 2  # the alternated ones and one warm-up of each
    # The tracking lookups over HTTP all answered 200 under the raised limit (no 429).
    t = r["track"]
    assert t["lookup"]["requests"] > 0 and t["lookup"]["error_count"] == 0 and t["form"]["error_count"] == 0
    assert t["in_process"]["page"]["status"] == [200]  # the raised limit holds in-process too
    c = r["catalogue"]
    assert c["services"] == 24 and c["search"]["n"] == 8 and c["mean_hits"] > 0 and c["page"]["status"] == [200]
    assert r["audit_chain"]["ok"]
    assert "desk submit_request" in proc.stdout and "POST /services/track/ lookup" in proc.stdout


def test_exchange_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "exchange",
                                "--exchange-letters", "4", "--exchange-profile", "1", "--workers", "1"], "_exch")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(out.read_text())["benchmarks"]["exchange"][expected]
    assert r["available"], (r, proc.stdout[-3000:])
    # Every letter crossed from server A to server B over HTTP and came back with its signed receipt,
    # once: B holds one arrival per letter, and both servers' audit chains verify.
    assert r["delivered"] == r["letters"] == 4 and r["failed"] == 0
    assert r["checks"]["one_arrival_per_letter"] and r["checks"]["b"]["arrivals"] == 4
    assert r["checks"]["a"]["audit_chain"]["ok"] and r["checks"]["b"]["audit_chain"]["ok"]
    x = r["exchange"]
    assert x["latency"]["n"] == x["build"]["n"] == x["carry"]["n"] == 4
    assert x["message_bytes"]["p50"] > 10_000  # a signed PDF travelled, not an empty envelope
    assert r["plain"]["n"] == 4 and r["ratio_time_exchange_vs_plain"] > 0
    assert r["profile"]["letter_pdf"]["n"] == 1
    assert "signed letter A→B" in proc.stdout and "plain POST A→B" in proc.stdout
    # The two servers' databases are gone afterwards (SQLite files next to the bench file).
    if expected == "sqlite":
        for url in r["databases"]:
            assert not Path(url.removeprefix("sqlite://")).exists()


def test_counters_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "counters",
                                "--counter-submissions", "3", "--settle-rows", "500", "--settle-runs", "2",
                                "--settle-sqlite"], "_counters")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(out.read_text())["benchmarks"]["counters"][expected]
    assert r["available"], (r, proc.stdout[-3000:])
    # Each operator filing was paid at the card reader and registered as a letter, as each online submission was.
    f = r["filings"]
    assert f["filings"] == f["paid"] == f["counter_requests_with_letter"] == f["with_letter"] == 3
    assert f["operator_journey"]["n"] == f["online"]["n"] == 3 and f["throughput_operator_vs_online"] > 0
    # The statement over the bulk-inserted rows adds up to a plain SUM over them.
    s = r["settlement"]
    assert s["available"] and s["adds_up"] and s["count"] >= 500 and s["statement"]["n"] == 2
    assert r["audit_chain"]["ok"]
    assert "monthly statement over 500 paid rows" in proc.stdout and "operator: consent + submit + card" in proc.stdout


def test_stats_benchmark_runs_with_tiny_sizes(tmp_path):
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "stats",
                                "--stats-letters", "3000", "--stats-requests", "2", "--stats-new-letters", "200",
                                "--stats-agencies", "12"],
                               "_stats")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    r = json.loads(out.read_text())["benchmarks"]["stats"][expected]
    assert r["available"], (r, proc.stdout[-3000:])
    g = r["generation"]
    assert g["letters"] == 3000 and g["referrals"] == 900 and g["prints"] == 600 and r["rebuild"]["agency_days"] > 0
    # Every read ran (a page or, until the pages exist, its selectors), and the plain count beside them.
    assert len(r["reads"]) == 4 and all(x["n"] == 2 for x in r["reads"]) and r["plain"]["n"] >= 3
    # The dashboard's letters are the plain count; refresh and rebuild write the same rows.
    assert r["totals_equal_plain"] and r["letters_in_period"] > 0
    assert r["month_check"]["equal"] and r["month_check"]["agency_days"] > 0
    f = r["refresh"]
    assert f["signals_marked"] and f["today_complete"] and f["equal_to_rebuild"] and f["dirty"] > 0
    assert "aggregates/plain" in proc.stdout and "refresh after 200 new letters" in proc.stdout


def test_channels_benchmarks_run_with_tiny_sizes(tmp_path):
    """E-mail in (a real dovecot polled into the intake queue) and OCR (noisy pages read)."""
    out = tmp_path / "results.json"
    proc, expected = run_bench([sys.executable, "-m", "bench", "--out", str(out), "--only", "mail,ocr",
                                "--mail-messages", "20"], "_channels")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = json.loads(out.read_text())["benchmarks"]
    mail = results["mail"][expected]
    assert mail["available"], (mail, proc.stdout[-3000:])
    assert mail["messages"] == mail["queued"] == mail["stored"] == 20 and mail["per_second"]["poll"] > 0
    ocr = results["ocr"][expected]
    assert ocr["available"] and ocr["measured"], ocr
    found, known = (int(x) for x in ocr["words_found"].split("/"))
    assert ocr["pages_read"] == 5 and found >= known * 0.6, ocr
