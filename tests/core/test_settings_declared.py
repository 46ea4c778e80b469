"""Settings are declared once, in dabir/settings.py, parsed from the environment by its typed helpers;
the code reads them from django.conf.settings when it runs, never at import time, and every variable
is documented in docs/operations.md."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src" / "dabir"
SETTINGS = SRC / "settings.py"
BOOTSTRAP = {"DJANGO_SETTINGS_MODULE"}  # which settings module to load is not itself a setting


def _modules():
    for path in SRC.rglob("*.py"):
        if "migrations" not in path.parts and path != SETTINGS:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def _declared() -> set[str]:
    tree = ast.parse(SETTINGS.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(
            node, ast.AnnAssign | ast.AugAssign) else []
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def _env_variables() -> set[str]:
    return set(re.findall(r'env_(?:str|bool|int|list)\("([A-Z0-9_]+)"', SETTINGS.read_text(encoding="utf-8")))


def test_no_module_reads_the_environment_but_settings():
    reads = []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in {"environ", "getenv"} and getattr(
                    node.value, "id", "") == "os":
                source_line = path.read_text(encoding="utf-8").splitlines()[node.lineno - 1]
                if not any(name in source_line for name in BOOTSTRAP) and "{**os.environ" not in source_line:
                    reads.append(f"{path.relative_to(SRC)}:{node.lineno}: {source_line.strip()}")
    assert reads == []


def test_every_project_setting_the_code_reads_is_declared_in_settings_without_a_second_default():
    declared = _declared()
    undeclared, second_defaults = [], []
    for path, tree in _modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "settings" and node.attr.isupper():
                if node.attr.startswith("DABIR_") and node.attr not in declared:
                    undeclared.append(f"{path.relative_to(SRC)}:{node.lineno}: {node.attr}")
            if (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "getattr" and len(node.args) == 3
                    and getattr(node.args[0], "id", "") == "settings"):
                name = node.args[1].value if isinstance(node.args[1], ast.Constant) else ast.unparse(node.args[1])
                second_defaults.append(f"{path.relative_to(SRC)}:{node.lineno}: {name}")
    assert undeclared == []
    assert second_defaults == []  # read settings.NAME: its one default is in settings.py


def test_no_module_reads_settings_when_it_is_imported():
    at_import = []
    for path, tree in _modules():
        for statement in tree.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Import | ast.ImportFrom):
                continue
            for node in ast.walk(statement):
                if isinstance(node, ast.Attribute) and getattr(node.value, "id", "") == "settings":
                    at_import.append(f"{path.relative_to(SRC)}:{node.lineno}: settings.{node.attr}")
    assert at_import == []


def test_every_environment_variable_is_documented_in_the_operations_guide():
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")))
    assert sorted(_env_variables() - documented) == []
