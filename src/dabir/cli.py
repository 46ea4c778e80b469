"""The `dabir` command: a thin front over Django's management commands.

`dabir demo`, `dabir serve`, `dabir worker`, `dabir audit verify`, `dabir issue-token NAME`,
`dabir check-deploy`, and every Django command (`dabir migrate`, `dabir createsuperuser`…).
A hyphenated name runs the command of the same name with underscores.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dabir.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    if args and not args[0].startswith("-") and "-" in args[0]:
        args[0] = args[0].replace("-", "_")
    execute_from_command_line(["dabir", *args])


if __name__ == "__main__":
    main()
