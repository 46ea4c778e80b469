"""PostgreSQL: a narrow search table beside letters, kept in step by triggers.

Search over a million letters read thousands of blocks of wide letter rows (body included) and
re-tokenised each row it checked, since the GIN index of 0002 was on an expression. The table
letters_letter_search holds, per letter, the stored tsvector of search_text and the few columns a
search filters and orders by, with a GIN index on the vector and a newest-first index, so a search
for a common word walks the newest rows and stops at its page, and a rare word reads few rows.

Triggers on letters_letter keep it in step whatever writes the letters (services, bulk_create,
COPY, the admin): after INSERT (one statement for all rows, through its transition table), after
UPDATE of the columns it copies (only when one changed), after DELETE and after TRUNCATE. There is
no foreign key: a TRUNCATE of letters (Django's flush) would refuse it; the triggers do the cascade.
The old expression index goes, so a letter write maintains one index fewer. The model is unmanaged
(the table exists on PostgreSQL only; dumps and backups skip it and the triggers rebuild it).
SQLite keeps its FTS5 table (0002).

The SQL is written out here (not imported) so this migration stays what it was when applied.
"""

from django.db import migrations, models

# The same expression as 0002's index and dabir.letters.search: / . - @ : _ + ~ as spaces.
# strip(): positions are not used (no phrase search, no ranking: results go newest first), and
# without them the table is about a quarter smaller (829 → 632 MB over 1,000,000 bench letters).
VECTOR = (
    "strip(to_tsvector('simple'::regconfig, translate(coalesce({r}.search_text, ''), '/.-@:_+~', '        ')))"
)
COLUMNS = "letter_id, vector, sort_at, agency_id, secretariat_id, kind, status, classification"


def _values(r: str) -> str:
    return (
        f"{r}.id, {VECTOR.format(r=r)}, coalesce({r}.registered_at, {r}.created_at), {r}.agency_id, "
        f"{r}.secretariat_id, {r}.kind, {r}.status, {r}.classification"
    )


UPSERT_SET = (
    "vector = EXCLUDED.vector, sort_at = EXCLUDED.sort_at, agency_id = EXCLUDED.agency_id, "
    "secretariat_id = EXCLUDED.secretariat_id, kind = EXCLUDED.kind, status = EXCLUDED.status, "
    "classification = EXCLUDED.classification"
)
WATCHED = ["search_text", "registered_at", "created_at", "agency_id", "secretariat_id", "kind", "status",
           "classification"]

PG_CREATE = [
    """CREATE TABLE letters_letter_search (
        letter_id bigint PRIMARY KEY,
        vector tsvector NOT NULL,
        sort_at timestamp with time zone NOT NULL,
        agency_id bigint NOT NULL,
        secretariat_id bigint NULL,
        kind varchar(10) NOT NULL,
        status varchar(20) NOT NULL,
        classification varchar(14) NOT NULL
    )""",
    # The planner walks the newest-first index when it believes a word is common and reads the GIN
    # index when rare; a word missing from the statistics is estimated at half the rarest one kept,
    # so keeping more words (10,000 instead of 1,000) keeps rare words from being taken for common.
    "ALTER TABLE letters_letter_search ALTER COLUMN vector SET STATISTICS 1000",
    "CREATE INDEX letters_letter_search_vector ON letters_letter_search USING gin (vector)",
    "CREATE INDEX letters_letter_search_recent ON letters_letter_search (sort_at DESC, letter_id DESC)",
    # Letters before the triggers: indexed here, in the migration's transaction.
    f"INSERT INTO letters_letter_search ({COLUMNS}) SELECT {_values('l')} FROM letters_letter l",
    f"""CREATE FUNCTION letters_letter_search_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO letters_letter_search ({COLUMNS}) SELECT {_values('n')} FROM new_rows n
        ON CONFLICT (letter_id) DO UPDATE SET {UPSERT_SET};
        RETURN NULL;
    END $$""",
    f"""CREATE FUNCTION letters_letter_search_updated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO letters_letter_search ({COLUMNS}) SELECT {_values('n')} FROM (SELECT NEW.*) n
        ON CONFLICT (letter_id) DO UPDATE SET {UPSERT_SET};
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION letters_letter_search_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM letters_letter_search s USING old_rows o WHERE s.letter_id = o.id;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION letters_letter_search_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        TRUNCATE letters_letter_search;
        RETURN NULL;
    END $$""",
    # One statement per INSERT statement: bulk_create and COPY index their rows in one go.
    """CREATE TRIGGER letters_letter_search_ai AFTER INSERT ON letters_letter
        REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION letters_letter_search_inserted()""",
    # Per row, and only when a copied column changed: most letter updates (referrals, reads) skip it.
    f"""CREATE TRIGGER letters_letter_search_au AFTER UPDATE OF {", ".join(WATCHED)} ON letters_letter
        FOR EACH ROW WHEN ({" OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in WATCHED)})
        EXECUTE FUNCTION letters_letter_search_updated()""",
    """CREATE TRIGGER letters_letter_search_ad AFTER DELETE ON letters_letter
        REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION letters_letter_search_deleted()""",
    """CREATE TRIGGER letters_letter_search_at AFTER TRUNCATE ON letters_letter
        FOR EACH STATEMENT EXECUTE FUNCTION letters_letter_search_truncated()""",
    "DROP INDEX IF EXISTS letters_letter_search_gin",
    "ANALYZE letters_letter_search",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS letters_letter_search_at ON letters_letter",
    "DROP TRIGGER IF EXISTS letters_letter_search_ad ON letters_letter",
    "DROP TRIGGER IF EXISTS letters_letter_search_au ON letters_letter",
    "DROP TRIGGER IF EXISTS letters_letter_search_ai ON letters_letter",
    "DROP FUNCTION IF EXISTS letters_letter_search_truncated()",
    "DROP FUNCTION IF EXISTS letters_letter_search_deleted()",
    "DROP FUNCTION IF EXISTS letters_letter_search_updated()",
    "DROP FUNCTION IF EXISTS letters_letter_search_inserted()",
    "DROP TABLE IF EXISTS letters_letter_search",
    # 0002's index, as it was.
    "CREATE INDEX IF NOT EXISTS letters_letter_search_gin ON letters_letter USING gin "
    "(to_tsvector('simple'::regconfig, translate(search_text, '/.-@:_+~', '        ')))",
]


def _run(schema_editor, statements):
    if schema_editor.connection.vendor != "postgresql":
        return
    for sql in statements:
        schema_editor.execute(sql, params=None)


def create_table(apps, schema_editor):
    _run(schema_editor, PG_CREATE)


def drop_table(apps, schema_editor):
    _run(schema_editor, PG_DROP)


class Migration(migrations.Migration):
    dependencies = [("letters", "0008_alter_letter_channel")]

    operations = [
        migrations.CreateModel(
            name="LetterSearch",
            fields=[
                ("letter", models.OneToOneField(
                    db_constraint=False, on_delete=models.DO_NOTHING, primary_key=True, related_name="search_row",
                    serialize=False, to="letters.letter",
                )),
                ("vector", models.TextField()),
                ("sort_at", models.DateTimeField()),
                ("agency_id", models.BigIntegerField()),
                ("secretariat_id", models.BigIntegerField(null=True)),
                ("kind", models.CharField(max_length=10)),
                ("status", models.CharField(max_length=20)),
                ("classification", models.CharField(max_length=14)),
            ],
            options={"db_table": "letters_letter_search", "managed": False},
        ),
        migrations.RunPython(create_table, drop_table, elidable=False),
    ]
