"""Letters tests: the numbering concurrency test needs a test database several threads can share.

pytest-django's SQLite test database is in memory by default (shared cache), where concurrent
writers get "table is locked" instead of waiting on the busy timeout, and WAL does not apply. So
when the suite runs on SQLite without DABIR_TEST_SQLITE_NAME, point the test database at a file
of this process (pytest-django adds the xdist worker suffix; Django creates and removes it). This
runs before the session's test database is set up, and changes nothing on PostgreSQL.
"""

import os
import tempfile

from django.conf import settings

_db = settings.DATABASES["default"]
if _db["ENGINE"].endswith("sqlite3") and not (_db.get("TEST") or {}).get("NAME"):
    _db.setdefault("TEST", {})["NAME"] = os.path.join(tempfile.gettempdir(), f"dabir-test-{os.getpid()}.sqlite3")
