"""The counter offices' JSON API, mounted at /api/counters/ (see docs/api.md)."""

from ninja import Router

router = Router(tags=["counters"])
