"""Signals the letters app sends for writes that Django's own model signals do not see.

Referrals are inserted with bulk_create and closed, withdrawn or moved with queryset updates, which send
no post_save; an app that keeps figures of referrals (supervision) listens here instead, without
letters importing it."""

from django.dispatch import Signal

# Sent in the writing transaction with `letter` and `days`: dates the change moved away from (an old
# deadline), besides the letter's referrals' own days, which the receiver reads itself.
referrals_changed = Signal()

# Sent in the writing transaction with `letter` and `attachments` (the rows just saved): OCR
# (dabir.channels) queues the scans and images among them for reading.
attachments_added = Signal()
