from .selectors import seats_of, secretariats_of


def current_position(request):
    """The seats of the signed-in user, the one chosen for this session's inbox, and whether the
    user is a clerk of a secretariat (so every page's navbar shows the same links)."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    seats = getattr(request, "_dabir_seats", None)
    if seats is None:
        seats = request._dabir_seats = seats_of(user)
    chosen = request.session.get("position_id")
    # The same choice as the letters pages make: the chosen seat, else a held one before an acting one.
    held = next((s for s in seats if not s.as_acting), seats[0] if seats else None)
    current = next((s for s in seats if s.position.id == chosen), held)

    def is_clerk():  # called by the template only when the navbar asks
        ids = getattr(request, "_dabir_clerk_ids", None)
        if ids is None:
            ids = request._dabir_clerk_ids = set(secretariats_of(user).values_list("id", flat=True))
        return bool(ids)

    return {"seats": seats, "current_seat": current, "is_clerk": is_clerk}
