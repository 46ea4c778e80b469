"""`dabir letters <action>`: the correspondence's commands, one module each.

Each action lives in its own module beside this one, named `_letters_<action>.py` (hyphens in the
action become underscores), with `HELP`, `add_arguments(parser)` and `run(command, **options)`; this
file only finds them, so parts of the app add actions without editing one shared file.
"""

import importlib
import pkgutil
from pathlib import Path

from django.core.management.base import BaseCommand

_PREFIX = "_letters_"


def _actions() -> dict:
    here = Path(__file__).parent
    found = {}
    for info in pkgutil.iter_modules([str(here)]):
        if info.name.startswith(_PREFIX):
            module = importlib.import_module(f"{__package__}.{info.name}")
            found[info.name.removeprefix(_PREFIX).replace("_", "-")] = module
    return dict(sorted(found.items()))


class Command(BaseCommand):
    help = "Correspondence: `dabir letters <action> …` (`dabir letters <action> --help` for each)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="action")
        for name, module in _actions().items():
            module.add_arguments(sub.add_parser(name, help=module.HELP, description=module.HELP))

    def handle(self, *args, action: str, **options):
        _actions()[action].run(self, **options)
