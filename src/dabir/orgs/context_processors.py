from .selectors import seats_of


def current_position(request):
    """The seats of the signed-in user and the one chosen for this session's inbox."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or request.path.startswith(("/api/", "/admin/")):
        return {}
    seats = getattr(request, "_dabir_seats", None)
    if seats is None:
        seats = request._dabir_seats = seats_of(user)
    chosen = request.session.get("position_id")
    current = next((s for s in seats if s.position.id == chosen), seats[0] if seats else None)
    return {"seats": seats, "current_seat": current}
