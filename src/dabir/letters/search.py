"""Persian full-text search of letters, on the database's own index.

Letter.search_text holds the normalised text of a letter (dabir.core.text.normalize: ی/ک unified,
diacritics and tatweel dropped, half-spaces to spaces, Latin digits, affixes such as «می»، «ها»، «ترین»
glued to their word whether typed joined, with a half-space or a space). A query is normalised by the
same function and cut into words; every word must match, each as a prefix ("بودج" finds "بودجه").

- PostgreSQL: the narrow table letters_letter_search (LetterSearch, migration 0009, kept in step by
  triggers) stores to_tsvector('simple', <search_text with / . - @ : _ + ~ as spaces>) under a GIN
  index, with the letter's newest-first key under a b-tree, queried with
  to_tsquery('simple', 'w1':* & 'w2':*). A common word walks the newest rows and stops at the page;
  a rare one reads its few rows from the GIN index; neither reads wide letter rows it will not show,
  nor re-tokenises any. The punctuation is turned into spaces so that PostgreSQL's parser cuts
  "1405/و/12" or "example.com" into words the way SQLite does, instead of keeping file paths,
  hosts and signed numbers as single tokens.
- SQLite: an FTS5 external-content table letters_letter_fts kept in sync by triggers
  (migration 0002), queried with "w1"* AND "w2"*.
- Any other database: search_text LIKE %word% for each word.

Words are cut on anything that is not a letter or digit, so no character a user types can reach
the query syntax of either engine.
"""

import datetime as dt
import re

from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils.html import strip_tags

from dabir.core import db
from dabir.core.jalali import TEHRAN
from dabir.core.text import is_affix, normalize, to_latin_digits

from .models import Letter
from .selectors import visibility_filter

FTS_TABLE = "letters_letter_fts"
PG_TABLE = "letters_letter_search"
PG_INDEX = "letters_letter_search_vector"
PG_RECENT_INDEX = "letters_letter_search_recent"
# PostgreSQL's default parser keeps "a/b", "a.b", "a-b", "a@b" whole (paths, hosts, e-mails,
# compound words); SQLite's unicode61 cuts them. Indexing and querying with these as spaces keeps
# both databases answering the same. The triggers of migration 0009 store exactly this expression.
PG_PUNCTUATION = "/.-@:_+~"
PG_VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, translate({column}, "
    f"'{PG_PUNCTUATION}', '{' ' * len(PG_PUNCTUATION)}'))"
)

# A word is a run of letters and digits (Python's \w without the underscore): the same words
# FTS5's unicode61 tokenizer makes, and nothing that means anything in a query language.
_WORD = re.compile(r"[^\W_]+")
# Words kept from one query, so a pasted page cannot make a query of thousands of terms.
MAX_WORDS = 12


def normalize_query(q: str | None) -> list[str]:
    """The words of a typed query in search form: normalised, split on non-letters, de-duplicated."""
    words: list[str] = []
    for word in _WORD.findall(normalize(q)):
        # A lone «ها» or «می» would find every word beginning so; the word it belongs to is in
        # the query already, glued to it by normalize().
        if word not in words and not is_affix(word):
            words.append(word)
    return words[:MAX_WORDS]


def _clean_number(number: str | None) -> str:
    """A typed number without invisible or control characters and runs of spaces."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in number or "").split())


def _number_variants(raw: str) -> list[str]:
    """A typed number as stored: Latin digits (official numbers), and as typed for senders' numbers."""
    latin = to_latin_digits(raw)
    variants = [raw, latin, normalize(raw)]
    variants.append(latin.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")))
    variants.append(latin.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")))
    out: list[str] = []
    for v in variants:
        if v and v not in out:
            out.append(v)
    return out


def _number_q(number: str) -> Q:
    if len(number) > 64:  # longer than any stored number
        return Q(pk__in=[])
    q = Q()
    for v in _number_variants(number):
        q |= Q(number__iexact=v) | Q(sender_number__iexact=v)
    latin = to_latin_digits(number)
    if latin.isascii() and latin.isdigit() and len(latin) <= 9:
        # A bare sequence number ("۱۲") finds the letters numbered 12 in any series.
        q |= Q(seq=int(latin))
    return q


class _TsMatch(Func):
    """<stored tsvector> @@ to_tsquery('simple', %s): the GIN index of letters_letter_search."""

    output_field = BooleanField()

    def as_sql(self, compiler, connection, **extra):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"{column_sql} @@ to_tsquery('simple'::regconfig, {query_sql})"
        return sql, (*column_params, *query_params)


def _tsquery(words: list[str]) -> str:
    # Words hold only letters and digits; quoting them anyway keeps the syntax closed.
    return " & ".join("'" + w.replace("\\", "\\\\").replace("'", "''") + "':*" for w in words)


def _fts5_query(words: list[str]) -> str:
    return " AND ".join('"' + w.replace('"', '""') + '"*' for w in words)


def _text_q(words: list[str]) -> Q:
    vendor = connection.vendor
    if vendor == "postgresql":
        # Joins letters_letter_search (one row per letter, so the join keeps every letter once).
        return Q(_TsMatch(F("search_row__vector"), Value(_tsquery(words))))
    if vendor == "sqlite":
        return Q(
            pk__in=RawSQL(f"SELECT rowid FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s", [_fts5_query(words)])
        )
    q = Q()
    for w in words:
        q &= Q(search_text__contains=w)
    return q


def _day_start(day: dt.date) -> dt.datetime:
    if isinstance(day, dt.datetime):
        day = day.astimezone(TEHRAN).date() if day.tzinfo else day.date()
    return dt.datetime.combine(day, dt.time.min, tzinfo=TEHRAN)


def _date_q(date_from: dt.date | None, date_to: dt.date | None) -> Q | None:
    """Registered between the two days (inclusive, Tehran time); drafts by their creation time."""
    if not date_from and not date_to:
        return None
    registered, draft = Q(), Q(registered_at__isnull=True)
    if date_from:
        start = _day_start(date_from)
        registered &= Q(registered_at__gte=start)
        draft &= Q(created_at__gte=start)
    if date_to:
        end = _day_start(date_to) + dt.timedelta(days=1)
        registered &= Q(registered_at__lt=end)
        draft &= Q(created_at__lt=end)
    return registered | draft


def search_letters(
    user,
    *,
    q: str = "",
    number: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    kind: str | None = None,
    classification: str | None = None,
) -> QuerySet[Letter]:
    """The letters `user` may see that match every given criterion, newest first.

    An empty search (no word, number, date, kind or classification) finds nothing.
    """
    words = normalize_query(q)
    number = _clean_number(number)
    # With words on PostgreSQL the search table is joined: filter and order on its narrow columns
    # (the triggers copy them from the letter), so its indexes serve the whole search.
    narrow = bool(words) and connection.vendor == "postgresql"
    field = "search_row__{}".format if narrow else "{}".format
    criteria: list[Q] = []
    if words:
        criteria.append(_text_q(words))
    if number:
        criteria.append(_number_q(number))
    date_q = _date_q(date_from, date_to)
    if date_q is not None:
        criteria.append(date_q)
    if kind:
        criteria.append(Q(**{field("kind"): kind}))
    if classification:
        criteria.append(Q(**{field("classification"): classification}))
    if not criteria:
        return Letter.objects.none()
    qs = Letter.objects.using(db.reader()).filter(visibility_filter(user))  # a replica when configured
    for c in criteria:
        qs = qs.filter(c)
    if narrow:
        # sort_at is Coalesce(registered_at, created_at); letter_id equals id through the join, so the
        # order is today's and letters_letter_search_recent serves it.
        return qs.order_by(F("search_row__sort_at").desc(), F("search_row__letter_id").desc())
    return qs.order_by(Coalesce("registered_at", "created_at").desc(), "-id")


# ---------------------------------------------------------------- what is indexed


def _attachment_texts(letter) -> list[str]:
    # A migration's historical Letter may predate the attachments' text (letters 0012).
    model = letter.attachments.model
    if letter.pk is None or not any(f.name == "text" for f in model._meta.get_fields()):
        return []
    return list(letter.attachments.exclude(text="").order_by("id").values_list("text", flat=True))


def letter_search_text(letter, recipients=None, texts=None) -> str:
    """The normalised text search reads: number, subject, body, keywords, parties, and the text read
    from its scans and images (OCR).

    Takes a Letter or a migration's historical Letter (it reads fields and relations only);
    `recipients` and `texts` (its attachments' read texts), when the caller has them (none yet for a
    letter just registered from outside), save reading them."""
    if recipients is None:
        recipients = letter.recipients.select_related("position")
    if texts is None:
        texts = _attachment_texts(letter)
    parties = [r.name or (r.position.title if r.position else "") for r in recipients]
    parts = [
        letter.number, letter.subject, strip_tags(letter.body), letter.keywords, letter.sender_name,
        letter.sender_number, *parties, *texts,
    ]
    return normalize(" ".join(p for p in parts if p))


def reindex_letters(letters) -> int:
    """Recompute search_text of `letters` (after normalize() changed); returns how many changed.

    A queryset update, so the letters' updated_at stays; the SQLite and PostgreSQL triggers carry
    the column to their index."""
    changed = 0
    for letter in letters.iterator(chunk_size=500):
        text = letter_search_text(letter)
        if text != letter.search_text:
            letters.model._default_manager.using(letters.db).filter(pk=letter.pk).update(search_text=text)
            changed += 1
    return changed


# ---------------------------------------------------------------- PostgreSQL table upkeep


def rebuild_search_table(conn=None) -> int:
    """Refill letters_letter_search from the letters (PostgreSQL); returns the rows written.

    The triggers keep it in step; this is for a load that ran with triggers off (a restore under
    session_replication_role = replica, pg_restore --disable-triggers)."""
    conn = conn or connection
    if conn.vendor != "postgresql":
        return 0
    vector = "strip(" + PG_VECTOR_SQL.format(column="coalesce(l.search_text, '')") + ")"  # as migration 0009
    with conn.cursor() as cursor:
        cursor.execute(f"DELETE FROM {PG_TABLE}")
        cursor.execute(
            f"""INSERT INTO {PG_TABLE} (letter_id, vector, sort_at, agency_id, secretariat_id, kind, status,
                classification)
            SELECT l.id, {vector}, coalesce(l.registered_at, l.created_at), l.agency_id, l.secretariat_id,
                l.kind, l.status, l.classification
            FROM letters_letter l"""
        )
        written = cursor.rowcount
        cursor.execute(f"ANALYZE {PG_TABLE}")
    return written


# ---------------------------------------------------------------- SQLite index upkeep

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        search_text, content='letters_letter', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER IF NOT EXISTS letters_letter_fts_ai AFTER INSERT ON letters_letter BEGIN
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS letters_letter_fts_ad AFTER DELETE ON letters_letter BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS letters_letter_fts_au AFTER UPDATE OF search_text ON letters_letter
    WHEN old.search_text IS NOT new.search_text BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text);
        INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text);
    END""",
]
SQLITE_TRIGGERS = ("letters_letter_fts_ai", "letters_letter_fts_ad", "letters_letter_fts_au")


def ensure_sqlite_index(conn=None) -> bool:
    """Recreate the FTS5 table and triggers if missing and rebuild the index; True if it had to.

    Django rebuilds a table on SQLite to alter it (copy, drop, rename), which drops its
    triggers: a later migration that alters letters_letter should call this, or it can run
    after every migrate.
    """
    conn = conn or connection
    if conn.vendor != "sqlite":
        return False
    with conn.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger') AND name IN (%s, %s, %s, %s)",
            [FTS_TABLE, *SQLITE_TRIGGERS],
        )
        if len(cursor.fetchall()) == 4:
            return False
        for sql in SQLITE_CREATE:
            cursor.execute(sql)
        cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    return True
