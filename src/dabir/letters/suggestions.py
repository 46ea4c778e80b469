"""Suggested first recipients of an incoming letter, learned from the secretariat's referral history.

When a clerk registers a letter, the positions that letters like it (same sender, same subject words)
were referred to first are offered as a ranked choice. Read-only, no model of its own: the history is
the first referral of each of the last DABIR_SUGGEST_HISTORY incoming letters the secretariat registered
(one query), scored by a naive Bayes over the sender (exact, normalised) and the subject's words
(normalised, stop-words dropped), each letter weighted by its age (its weight halves every
DABIR_SUGGEST_HALF_LIFE_DAYS days).

Only the secretariat's clerks get suggestions (policy.may_get_suggestions), and only of positions they
may refer the letter to (policy.first_referral_targets). A classified letter teaches its sender only,
never its subject's words, and a reason cites counts and the words the clerk typed, never a subject.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from dabir.core.text import is_affix, normalize, to_persian_digits, tokens

from . import policy
from .models import Action, Classification, Kind, Letter, Referral, ReferralStatus, Status

# Words of every letter's subject that say nothing of where it goes (normalised forms).
STOP_WORDS = frozenset(normalize(w) for w in """
و در به از که این آن با برای را تا یا بر هر هم نیز اما چون اگر پس سپس شد شده شود است بود باشد
های ها ای یک دو سه جهت طی پیرو عطف موضوع نامه شماره مورخ تاریخ خصوص درخصوص مورد فوق محترم
جناب آقای خانم سرکار ریاست رئیس مدیرکل مدیر کل اداره محترم احتراما سلام باسلام لطفا ضمن
""".split())

# Smoothing: of the prior (letters per position), and of each feature's posterior toward the prior (in
# letters: a sender or word needs about this many letters before it moves a position far).
_PRIOR_ALPHA = 1.0
_SENDER_BETA = 1.0
_WORD_BETA = 1.0
# The learned part of a letter's subject: enough words to tell it from others, bounded against long ones.
_MAX_WORDS = 24


# normalize() is most of a suggestion's cost (thousands of subjects each time): both functions below are
# pure, so their results are kept per text in each process.
_MEMO = 20_000


@lru_cache(maxsize=_MEMO)
def subject_words(subject: str | None) -> tuple[str, ...]:
    """The subject's meaningful words: normalised, without stop-words, affixes alone, numbers and letters alone."""
    seen: dict[str, None] = {}
    for word in tokens(subject):
        if len(word) < 2 or word in STOP_WORDS or is_affix(word) or any(c.isdigit() for c in word):
            continue
        seen.setdefault(word, None)
    return tuple(seen)[:_MAX_WORDS]


@lru_cache(maxsize=_MEMO)
def sender_key(sender: str | None) -> str:
    return normalize(sender)


@dataclass(frozen=True)
class Example:
    """One incoming letter of the history: who sent it, its words, and where it went first."""

    sender: str
    words: tuple[str, ...]
    position_id: int
    at: dt.datetime
    classified: bool = False


def history(secretariat_id: int, *, limit: int | None = None, offset: int = 0) -> list[Example]:
    """The secretariat's registered incoming letters, newest first, each with its first referral's position.

    One query. The first referral is the earliest top-level one not withdrawn or replaced (a referral
    reassigned on the spot is the clerk correcting the first choice: the replacement counts)."""
    limit = settings.DABIR_SUGGEST_HISTORY if limit is None else limit
    first = (
        Referral.objects.filter(letter=OuterRef("pk"), parent__isnull=True)
        .exclude(status__in=[ReferralStatus.WITHDRAWN, ReferralStatus.REASSIGNED])
        .exclude(action=Action.SIGNATURE)
        .order_by("created_at", "id")
        .values("to_position_id")[:1]
    )
    rows = (
        Letter.objects.filter(secretariat_id=secretariat_id, kind=Kind.INCOMING, seq__isnull=False)
        .exclude(status=Status.VOID)
        .annotate(first_to=Subquery(first), at=Coalesce("registered_at", "created_at"))
        .filter(first_to__isnull=False)
        # The order of letter_recent_idx: the newest are read in order and the scan stops at the limit.
        .order_by(Coalesce("registered_at", "created_at").desc(), "-id")
        .values_list("sender_name", "subject", "classification", "at", "first_to")
        [offset:offset + limit]
    )
    out = []
    for sender, subject, classification, at, position_id in rows:
        classified = classification != Classification.UNCLASSIFIED
        out.append(Example(
            sender=sender_key(sender), words=() if classified else subject_words(subject),
            position_id=position_id, at=at, classified=classified,
        ))
    return out


@dataclass
class Evidence:
    """What a position's rank rests on, in counts of letters (not weights), for the reason shown."""

    score: float
    letters: int = 0
    from_sender: int = 0
    word: str = ""
    with_word: int = 0


@dataclass
class Model:
    """Weighted counts of the history: per position, its letters, senders and words."""

    half_life_days: float
    now: dt.datetime
    weight: Counter = field(default_factory=Counter)  # position → weighted letters
    letters: Counter = field(default_factory=Counter)  # position → letters
    sender_weight: dict = field(default_factory=lambda: defaultdict(Counter))  # sender → position → weight
    sender_letters: dict = field(default_factory=lambda: defaultdict(Counter))
    word_weight: dict = field(default_factory=lambda: defaultdict(Counter))  # word → position → weight
    word_letters: dict = field(default_factory=lambda: defaultdict(Counter))

    @classmethod
    def train(cls, examples: Iterable[Example], *, now: dt.datetime | None = None,
              half_life_days: float | None = None) -> Model:
        examples = list(examples)
        if now is None:
            now = max((e.at for e in examples), default=None) or timezone.now()
        half_life = float(half_life_days or settings.DABIR_SUGGEST_HALF_LIFE_DAYS)
        model = cls(half_life_days=half_life, now=now)
        for e in examples:
            age = max((now - e.at).total_seconds() / 86400, 0.0)
            w = 0.5 ** (age / half_life)
            p = e.position_id
            model.weight[p] += w
            model.letters[p] += 1
            if e.sender:
                model.sender_weight[e.sender][p] += w
                model.sender_letters[e.sender][p] += 1
            for word in e.words:
                model.word_weight[word][p] += w
                model.word_letters[word][p] += 1
        return model

    def rank(self, sender: str, words: Sequence[str], candidates: Iterable[int]) -> list[tuple[int, Evidence]]:
        """The candidates the history knows, best first, each with its evidence.

        Naive Bayes written with each feature's posterior smoothed toward the prior: a position gains by
        log P(p | feature) / P(p) for the sender and for each word, where P(p | feature) =
        (letters of the feature to p + β·P(p)) / (letters of the feature + β). A feature seen in few letters
        moves nothing; a position seen in few letters is not favoured by the words it never had (as it is
        with the usual per-position word smoothing, which let a two-letter position win every new subject)."""
        known = [p for p in candidates if self.weight[p] > 0]
        if not known:
            return []
        total, n = sum(self.weight.values()), len(self.weight)
        features = []
        if sender in self.sender_weight:
            counts = self.sender_weight[sender]
            features.append((counts, sum(counts.values()), _SENDER_BETA))
        words = [w for w in dict.fromkeys(words) if w in self.word_weight]
        for word in words:
            counts = self.word_weight[word]
            features.append((counts, sum(counts.values()), _WORD_BETA))
        ranked = []
        for p in known:
            prior = (self.weight[p] + _PRIOR_ALPHA) / (total + _PRIOR_ALPHA * n)
            score = math.log(prior)
            for counts, seen, beta in features:
                score += math.log((counts[p] + beta * prior) / (seen + beta) / prior)
            ev = Evidence(score=score, letters=self.letters[p])
            if sender in self.sender_letters:
                ev.from_sender = self.sender_letters[sender][p]
            for word in words:
                count = self.word_letters[word][p]
                # The word most of its letters share; on a tie the longer, which says more.
                if (count, len(word)) > (ev.with_word, len(ev.word)):
                    ev.word, ev.with_word = word, count
            ranked.append((p, ev))
        # Ties (no evidence at all) go to the position with more letters, then the older id: stable.
        ranked.sort(key=lambda item: (-item[1].score, -item[1].letters, item[0]))
        return ranked


def reason(ev: Evidence) -> str:
    """A short Persian reason in counts: never a subject, only the sender's count and a word the clerk typed."""
    parts = []
    if ev.from_sender:
        parts.append(f"{to_persian_digits(ev.from_sender)} نامه از همین فرستنده")
    if ev.with_word:
        parts.append(f"{to_persian_digits(ev.with_word)} نامه با واژه «{ev.word}»")
    if not parts:
        parts.append(f"گیرنده نخست {to_persian_digits(ev.letters)} نامه وارده اخیر")
    return "؛ ".join(parts)


@dataclass(frozen=True)
class Suggestion:
    position: object  # orgs.Position, with its unit
    reason: str
    from_sender: int
    with_word: int


def suggest(user, *, secretariat_id: int | None, sender: str = "", subject: str = "", seat=None,
            limit: int | None = None) -> list[Suggestion]:
    """The likely first recipients of a letter from `sender` about `subject`, best first ([] for anyone
    but the secretariat's clerks, or when nothing is typed). Four queries: the clerk check, the
    secretariat, the history and the positions."""
    sender_text, words = sender_key(sender), subject_words(subject)
    if not (sender_text or words) or not policy.may_get_suggestions(user, secretariat_id):
        return []
    from dabir.orgs.models import Secretariat

    agency_id = Secretariat.objects.filter(pk=secretariat_id).values_list("agency_id", flat=True).first()
    examples = history(secretariat_id)
    if not examples or agency_id is None:
        return []
    model = Model.train(examples, now=timezone.now())
    positions = {p.id: p for p in policy.first_referral_targets(agency_id, seat)
                 .filter(pk__in=list(model.weight)).select_related("unit")}
    ranked = model.rank(sender_text, words, positions)
    limit = settings.DABIR_SUGGEST_LIMIT if limit is None else limit
    return [Suggestion(position=positions[p], reason=reason(ev), from_sender=ev.from_sender,
                       with_word=ev.with_word) for p, ev in ranked[:limit]]


# ---------------------------------------------------------------- accuracy


@dataclass(frozen=True)
class Accuracy:
    trained_on: int
    tested: int
    top1: int
    top3: int
    baseline: int  # the most frequent position of the training part, always

    @property
    def top1_rate(self) -> float:
        return self.top1 / self.tested if self.tested else 0.0

    @property
    def top3_rate(self) -> float:
        return self.top3 / self.tested if self.tested else 0.0

    @property
    def baseline_rate(self) -> float:
        return self.baseline / self.tested if self.tested else 0.0


def evaluate(examples: Sequence[Example], *, holdout: float = 0.2, half_life_days: float | None = None) -> Accuracy:
    """Train on the older part of a history (newest first, as `history` gives it) and check each held-back
    (most recent) letter: is its real first recipient the first suggestion (top-1), one of the first three
    (top-3), the history's most frequent position (the baseline)? Every position is a candidate."""
    if not 0 < holdout < 1:
        raise ValueError("holdout must be between 0 and 1")
    held = max(1, round(len(examples) * holdout)) if examples else 0
    test, train = list(examples[:held]), list(examples[held:])
    if not train or not test:
        return Accuracy(trained_on=len(train), tested=0, top1=0, top3=0, baseline=0)
    model = Model.train(train, half_life_days=half_life_days)
    candidates = list(model.weight)
    most = max(candidates, key=lambda p: (model.letters[p], -p))
    top1 = top3 = base = 0
    for e in reversed(test):  # oldest first, as they came
        ranked = [p for p, _ in model.rank(e.sender, e.words, candidates)[:3]]
        top1 += bool(ranked) and ranked[0] == e.position_id
        top3 += e.position_id in ranked
        base += most == e.position_id
    return Accuracy(trained_on=len(train), tested=len(test), top1=top1, top3=top3, baseline=base)
