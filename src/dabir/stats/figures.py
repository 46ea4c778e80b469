"""Every supervision figure, defined once: its key, its label, its unit and how it is computed from
the summed day rows (docs/supervision.md gives the same formulas in words, figure by figure).

`compute(...)` turns one agency's sums over a period into its figures; `paperless_index(...)` turns
the figures into the index and the points lost per component.
"""

import math
from dataclasses import dataclass
from decimal import Decimal

# Channels that reach (or leave) the agency without paper: the exchange network, e-mail, the system
# itself (service desk, internal) and a counter office (which scans the citizen's paper at the counter).
ELECTRONIC = ("network", "email", "system", "counter")
PAPER = ("post", "fax", "in_person")
CHANNELS = ELECTRONIC + PAPER

# Referral read and action times are kept as counts per bin: bin i holds durations of at most
# BIN_EDGES[i] minutes (and more than the edge before); the last bin is "more than 30 days".
BIN_EDGES = [15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 7200, 10080, 20160, 43200, math.inf]


def bin_of(minutes: float) -> int:
    for i, edge in enumerate(BIN_EDGES):
        if minutes <= edge:
            return i
    return len(BIN_EDGES) - 1


def quantile_hours(bins: dict[int, int], q: float) -> float | None:
    """The q-quantile (nearest rank) as the upper edge of its bin, in hours: "q of the referrals were
    read within this many hours". None without referrals; math.inf past the last edge."""
    total = sum(bins.values())
    if not total:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for i in sorted(bins):
        seen += bins[i]
        if seen >= rank:
            return BIN_EDGES[i] / 60
    return math.inf


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit: str  # count | percent | hours | ratio | score | flag
    group: str


GROUPS = {
    "letters": "نامه‌ها",
    "paper": "کاغذ و چاپ",
    "signing": "امضا و کاربری مدیران",
    "referrals": "ارجاع‌ها",
    "desk": "میز خدمت",
    "network": "پیشخوان و شبکه تبادل",
}

FIGURES = [
    Figure("letters_in", "نامه‌های وارده", "count", "letters"),
    Figure("letters_out", "نامه‌های صادره", "count", "letters"),
    Figure("letters_internal", "نامه‌های داخلی", "count", "letters"),
    Figure("in_electronic_share", "سهم وارده الکترونیکی", "percent", "letters"),
    Figure("out_sent", "صادره‌های ارسال‌شده", "count", "letters"),
    Figure("out_electronic_share", "سهم صادره الکترونیکی", "percent", "letters"),
    Figure("inter_letters", "مکاتبات بین‌دستگاهی", "count", "letters"),
    Figure("inter_exchange_share", "سهم مکاتبات بین‌دستگاهی از شبکه تبادل", "percent", "letters"),
    Figure("registered_per_day", "بار کار دبیرخانه (ثبت در روز)", "ratio", "letters"),
    Figure("print_pages", "صفحه‌های چاپ‌شده", "count", "paper"),
    Figure("print_copies", "نسخه‌های چاپ‌شده", "count", "paper"),
    Figure("pages_per_letter", "صفحه چاپی به ازای هر نامه", "ratio", "paper"),
    Figure("copies_per_letter", "نسخه چاپی به ازای هر نامه", "ratio", "paper"),
    Figure("pages_per_user", "صفحه چاپی به ازای هر کاربر چاپ‌کننده", "ratio", "paper"),
    Figure("signed_digital_share", "سهم صادره با امضای الکترونیکی", "percent", "signing"),
    Figure("managers_active_share", "سهم مدیرانی که در سامانه امضا یا ارجاع کرده‌اند", "percent", "signing"),
    Figure("referrals", "ارجاع‌ها", "count", "referrals"),
    Figure("read_median_hours", "میانه زمان خواندن ارجاع (ساعت)", "hours", "referrals"),
    Figure("read_p90_hours", "صدک ۹۰ زمان خواندن ارجاع (ساعت)", "hours", "referrals"),
    Figure("act_median_hours", "میانه زمان اقدام (ساعت)", "hours", "referrals"),
    Figure("act_p90_hours", "صدک ۹۰ زمان اقدام (ساعت)", "hours", "referrals"),
    Figure("overdue", "ارجاع‌های دیرکرد", "count", "referrals"),
    Figure("overdue_share", "سهم ارجاع‌های دیرکرد", "percent", "referrals"),
    Figure("desk_requests", "درخواست‌های میز خدمت", "count", "desk"),
    Figure("desk_on_time_share", "سهم درخواست‌های پایان‌یافته در مهلت", "percent", "desk"),
    Figure("satisfaction", "رضایت (از ۵)", "score", "desk"),
    Figure("complaints", "شکایت‌ها", "count", "desk"),
    Figure("outsourced_share", "سهم خدمات برون‌سپاری‌شده به پیشخوان", "percent", "network"),
    Figure("connected", "اتصال به شبکه تبادل", "flag", "network"),
]
BY_KEY = {f.key: f for f in FIGURES}


def _share(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ratio(part, whole) -> float | None:
    return round(part / whole, 2) if whole else None


def compute(sums: dict, *, past: dict, read_bins: dict, act_bins: dict, managers_active: int, managers: int,
            print_users: int, days: int, outsourced: tuple[int, int], connected: bool) -> dict:
    """One agency's figures for a period.

    sums      AgencyDay's counts summed over the period's days;
    past      referrals_due and referrals_on_time summed over the period's days before today only
              (a deadline still to come is not yet late);
    read_bins, act_bins  DurationBin counts summed per bin;
    managers_active      distinct manager positions that signed or referred in the period;
    managers             the agency's manager positions with a holder;
    print_users          distinct users who printed in the period;
    days                 the period's days lived so far;
    outsourced           (services outsourced to counter offices, services that may be).
    """
    s = {k: sums.get(k) or 0 for k in sums} if sums else {}
    g = lambda k: s.get(k, 0)  # noqa: E731
    registered = g("letters_in") + g("letters_out") + g("letters_internal")
    out_sent = sum(g(f"out_{c}") for c in CHANNELS)
    inter = g("inter_out") + g("inter_in")
    due_past = past.get("referrals_due") or 0
    overdue = due_past - (past.get("referrals_on_time") or 0)
    return {
        "letters_in": g("letters_in"),
        "letters_out": g("letters_out"),
        "letters_internal": g("letters_internal"),
        "in_electronic_share": _share(sum(g(f"in_{c}") for c in ELECTRONIC), g("letters_in")),
        "out_sent": out_sent,
        "out_electronic_share": _share(sum(g(f"out_{c}") for c in ELECTRONIC), out_sent),
        "inter_letters": inter,
        "inter_exchange_share": _share(g("inter_out_exchange") + g("inter_in_exchange"), inter),
        "registered_per_day": _ratio(g("letters_in") + g("letters_out"), days),
        "print_pages": g("print_pages"),
        "print_copies": g("print_copies"),
        "pages_per_letter": _ratio(g("print_pages"), registered),
        "copies_per_letter": _ratio(g("print_copies"), registered),
        "pages_per_user": _ratio(g("print_pages"), print_users),
        "signed_digital_share": _share(g("signed_digital"), g("signed_digital") + g("signed_paper")),
        "managers_active_share": _share(min(managers_active, managers), managers),
        "referrals": g("referrals"),
        "read_median_hours": quantile_hours(read_bins, 0.5),
        "read_p90_hours": quantile_hours(read_bins, 0.9),
        "act_median_hours": quantile_hours(act_bins, 0.5),
        "act_p90_hours": quantile_hours(act_bins, 0.9),
        "overdue": overdue,
        "overdue_share": _share(overdue, due_past),
        "desk_requests": g("desk_requests"),
        "desk_on_time_share": _share(g("desk_on_time"), g("desk_finished")),
        "satisfaction": round(g("rating_sum") / g("ratings"), 2) if g("ratings") else None,
        "complaints": g("complaints"),
        "outsourced_share": _share(outsourced[0], outsourced[1]),
        "connected": connected,
    }


# ---- The paperless index (شاخص سازمان کم‌کاغذ) ---------------------------------------------------

COMPONENT_LABELS = {
    "incoming": "وارده الکترونیکی",
    "outgoing": "صادره الکترونیکی",
    "exchange": "مکاتبات بین‌دستگاهی از شبکه",
    "signature": "امضای الکترونیکی",
    "printing": "کم‌چاپی",
    "managers": "کاربری مدیران",
    "connected": "اتصال به شبکه تبادل",
}


def components(fig: dict, print_cap: Decimal | float) -> dict[str, float | None]:
    """Each component as a fraction 0–1, or None when the period gives nothing to measure it by."""

    def frac(key):
        value = fig.get(key)
        return None if value is None else value / 100

    ppl = fig.get("pages_per_letter")
    cap = float(print_cap) or 1.0
    return {
        "incoming": frac("in_electronic_share"),
        "outgoing": frac("out_electronic_share"),
        "exchange": frac("inter_exchange_share"),
        "signature": frac("signed_digital_share"),
        "printing": None if ppl is None else max(0.0, 1 - ppl / cap),
        "managers": frac("managers_active_share"),
        "connected": 1.0 if fig.get("connected") else 0.0,
    }


def paperless_index(fig: dict, weights: dict[str, int], print_cap) -> tuple[float | None, dict[str, float]]:
    """The index 0–100: Σ wᵢ·cᵢ / Σ wᵢ × 100 over the components that could be measured (None when only
    the connection could), and the points each component loses (wᵢ·(1 − cᵢ) / Σ wᵢ × 100), which add up to 100 − index."""
    parts = {k: v for k, v in components(fig, print_cap).items() if v is not None and weights.get(k)}
    total = sum(weights[k] for k in parts)
    # The connection alone says nothing of paper: an agency with no letters in the period has no index
    # (and no rank) rather than 0 or 100 for being connected.
    if not total or set(parts) <= {"connected"}:
        return None, {}
    index = 100 * sum(weights[k] * v for k, v in parts.items()) / total
    lost = {k: round(100 * weights[k] * (1 - v) / total, 1) for k, v in parts.items()}
    return round(index, 1), lost
