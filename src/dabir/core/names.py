"""Persian names of core's audit actions (see core.labels)."""

AUDIT_ACTIONS = {
    "cleanup.run": "پاک‌سازی دوره‌ای",
}
