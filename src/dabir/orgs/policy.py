"""Who may administer what in the organisation: the one place every app asks (the signing CA and
certificates, the desk's service definitions, the admin)."""

from .models import Agency


def is_agency_admin(user, agency: Agency) -> bool:
    """The agency's system administrators, and superusers; never an anonymous visitor."""
    if not user or not user.is_authenticated:
        return False
    return bool(user.is_superuser or agency.admins.filter(pk=user.pk).exists())
