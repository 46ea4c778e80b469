"""Service desk: request submission vs letter registration, tracking lookups, catalogue search."""

from __future__ import annotations

from bench.common import not_available, phase_args


def main(argv=None) -> None:
    parser = phase_args(__doc__.splitlines()[0])
    args, _ = parser.parse_known_args(argv)
    not_available(args.out, "dabir.desk.services is not written yet")


def report(results: dict) -> str:
    return "\n".join(f"{db}: not available yet: {r.get('reason')}" for db, r in results.items())


if __name__ == "__main__":
    main()
