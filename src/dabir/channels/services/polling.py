"""Polling mailboxes into the intake queue (IMAP over TLS; see docs/channels.md)."""


def poll_all() -> int:
    """Poll every active receiving mailbox once; the number of messages queued."""
    return 0
