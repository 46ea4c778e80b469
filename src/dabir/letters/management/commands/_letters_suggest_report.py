"""`dabir letters suggest-report [--holdout 0.2] [--secretariat ID] [--letters N]`: how often the suggested
first recipient is the one the letter really went to first.

For each secretariat, the last N incoming letters (DABIR_SUGGEST_HISTORY by default) are split by date: the
older part trains the suggestions, and for each held-back (most recent) letter the report checks whether the
first suggestion (top-1), or any of the first three (top-3), is the position it was referred to first. The
baseline is offering the most frequent position every time.
"""

from django.conf import settings
from django.core.management.base import CommandError

from dabir.letters import suggestions
from dabir.orgs.models import Secretariat

HELP = "Accuracy of the suggested first recipients on the held-back most recent letters (top-1, top-3)."


def add_arguments(parser):
    parser.add_argument("--holdout", type=float, default=0.2,
                        help="share of the most recent letters held back to test (default 0.2)")
    parser.add_argument("--secretariat", type=int, default=None, help="one secretariat's id (default: every one)")
    parser.add_argument("--letters", type=int, default=None,
                        help="letters of history read (default DABIR_SUGGEST_HISTORY)")


def run(command, *, holdout: float, secretariat: int | None, letters: int | None, **options):
    if not 0 < holdout < 1:
        raise CommandError("--holdout must be between 0 and 1 (e.g. 0.2)")
    limit = letters or settings.DABIR_SUGGEST_HISTORY
    qs = Secretariat.objects.select_related("agency").order_by("agency__name", "name")
    if secretariat is not None:
        qs = qs.filter(pk=secretariat)
        if not qs.exists():
            raise CommandError(f"no secretariat with id {secretariat}")
    out = command.stdout.write
    total = dict(tested=0, top1=0, top3=0, baseline=0)
    for sec in qs:
        acc = suggestions.evaluate(suggestions.history(sec.id, limit=limit), holdout=holdout)
        if not acc.tested:
            if secretariat is not None:
                out(f"{sec.agency.name} — {sec.name}: too few registered incoming letters with a referral "
                    f"({acc.trained_on})")
            continue
        out(f"{sec.agency.name} — {sec.name} (id {sec.id}): {acc.trained_on} learned, {acc.tested} held back; "
            f"top-1 {acc.top1_rate:.1%}, top-3 {acc.top3_rate:.1%}, baseline (most frequent position) "
            f"{acc.baseline_rate:.1%}")
        for key in total:
            total[key] += getattr(acc, key)
    if total["tested"]:
        n = total["tested"]
        out(f"all secretariats: {n} held back; top-1 {total['top1'] / n:.1%}, top-3 {total['top3'] / n:.1%}, "
            f"baseline (most frequent position) {total['baseline'] / n:.1%}")
