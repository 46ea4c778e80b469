"""docs/supervision.md defines every figure and every component of the index that the code computes."""

import re
from pathlib import Path

from dabir.stats import figures as F
from dabir.stats.models import IndexWeights

DOC = Path(__file__).resolve().parents[2] / "docs" / "supervision.md"


def _text() -> str:
    return DOC.read_text(encoding="utf-8")


def test_every_figure_is_in_the_docs_by_key_and_persian_label():
    text = _text()
    rows = {m.group(2): m.group(1).strip() for m in re.finditer(r"^\| ([^|]+) \| `(\w+)` \|", text, re.M)}
    missing = [f.key for f in F.FIGURES if f.key not in rows]
    assert not missing, missing
    for f in F.FIGURES:
        assert rows[f.key] == f.label, (f.key, rows[f.key], f.label)


def test_every_index_component_is_in_the_docs_with_its_default_weight():
    text = _text()
    defaults = IndexWeights()
    for key in IndexWeights.COMPONENTS:
        row = re.search(rf"^\| ([^|]+) \| `{key}` \|[^\n]*\| (\d+) \|$", text, re.M)
        assert row, key
        assert row.group(1).strip() == F.COMPONENT_LABELS[key]
        assert int(row.group(2)) == getattr(defaults, key), key
    assert f"print cap is **{int(defaults.print_cap)}**" in text


def test_the_bins_in_the_docs_are_the_code_s():
    # 15, 30, 60 minutes, 2, 4, 8 hours, 1, 2, 3, 5, 7, 14, 30 days, and more than 30 days.
    assert F.BIN_EDGES[:-1] == [15, 30, 60, 120, 240, 480, 1440, 2880, 4320, 7200, 10080, 20160, 43200]
    assert "15, 30, 60 minutes, 2, 4, 8\nhours, 1, 2, 3, 5, 7, 14, 30 days" in _text()


def test_the_channel_classes_in_the_docs_are_the_code_s():
    text = _text()
    electronic = re.search(r"^\| electronic \(`ELECTRONIC`\) \| (.+) \|$", text, re.M).group(1)
    paper = re.search(r"^\| paper \(`PAPER`\) \| (.+) \|$", text, re.M).group(1)
    assert re.findall(r"`(\w+)`", electronic) == list(F.ELECTRONIC)
    assert re.findall(r"`(\w+)`", paper) == list(F.PAPER)
