from django.db import transaction

from dabir.core import audit

from .models import ApiToken, User


@transaction.atomic
def issue_api_token(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token and return it with its key; the key is shown once and never stored."""
    key = ApiToken.new_key()
    token = ApiToken.objects.create(user=user, name=name, key_hash=ApiToken.hash_key(key), prefix=key[4:12])
    audit.record(action="api_token.issue", obj=token, actor=user, data={"name": name})
    return token, key


@transaction.atomic
def revoke_api_token(*, token: ApiToken, actor: User) -> None:
    token.revoked = True
    token.save(update_fields=["revoked"])
    audit.record(action="api_token.revoke", obj=token, actor=actor)
