"""`dabir issue-token <username>`: issue an API token and print its key once."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from dabir.accounts.services import issue_api_token


class Command(BaseCommand):
    help = "Issue an API bearer token for a user; the key is printed once and only its hash is kept."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="command line", help="A label for the token (default: command line)")

    def handle(self, *args, username: str, name: str, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is inactive.")
        token, key = issue_api_token(user=user, name=name.strip() or "command line")
        self.stderr.write(f"Token {token.prefix}… for {username} ({token.name}); keep the key, it is not shown again:")
        self.stdout.write(key)
