"""Polling a real dovecot over TLS: each message queued once and marked on the server after it is stored."""
# ruff: noqa: F811 - pytest passes the imported dovecot fixture by name

import time

import pytest
from django.db import connection

from dabir.channels import imap
from dabir.channels.models import IntakeItem, Mailbox
from dabir.channels.services.polling import poll_all, poll_mailbox

from . import messages as m
from .dovecot import dovecot, make_mailbox  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db(transaction=True)

MIXED = [m.plain("نامه یکم", message_id="<one@x>"), m.encoded_subject("windows-1256", "Q"), m.html_only(),
         m.nested_inline(), m.winmail(), m.MALFORMED["broken_boundary"], m.MALFORMED["no_from"], m.fax()]


def queued(server, user="dabir") -> set[int]:
    return {uid for uid, flags in server.flags(user).items() if imap.KEYWORD in flags and "\\Seen" in flags}


def test_poll_queues_each_message_once_and_marks_it(world, dovecot):
    dovecot.append("dabir", *MIXED)
    box = make_mailbox(world.secretariat, dovecot)
    assert poll_mailbox(box) == len(MIXED)
    box.refresh_from_db()
    assert box.last_error == "" and box.last_polled_at and box.lease_until is None
    assert box.last_uid == len(MIXED) and box.uidvalidity
    items = IntakeItem.objects.filter(mailbox=box)
    assert sorted(items.values_list("uid", flat=True)) == list(range(1, len(MIXED) + 1))
    assert queued(dovecot) == set(range(1, len(MIXED) + 1))
    assert items.get(uid=1).subject == "نامه یکم"
    assert items.get(uid=8).kind == IntakeItem.Kind.FAX and items.get(uid=8).files.get().name.endswith(".pdf")

    assert poll_mailbox(box) == 0  # nothing new
    dovecot.append("dabir", m.plain("نامه دیرتر", message_id="<later@x>"))
    assert poll_mailbox(box) == 1
    assert IntakeItem.objects.get(uid=len(MIXED) + 1).subject == "نامه دیرتر"
    assert IntakeItem.objects.count() == len(MIXED) + 1


def test_stored_but_not_marked_is_only_marked(world, dovecot):
    """Killed after the commit and before the mark: the next poll finds the row and does not fetch again."""
    from dabir.channels.services.receiving import store_message

    dovecot.append("dabir", m.plain(message_id="<a@x>"), m.plain("دو", message_id="<b@x>"))
    box = make_mailbox(world.secretariat, dovecot)
    with imap.Connection(box) as conn:
        box.uidvalidity = conn.uidvalidity
        store_message(box, conn.fetch(1), uidvalidity=conn.uidvalidity, uid=1)
    Mailbox.objects.filter(pk=box.pk).update(uidvalidity=box.uidvalidity)
    assert poll_mailbox(box) == 1
    assert IntakeItem.objects.count() == 2 and queued(dovecot) == {1, 2}


def test_bad_password_is_recorded_in_persian_and_others_go_on(world, dovecot):
    dovecot.add_user("other", "secret-2")
    dovecot.append("other", m.plain(message_id="<other@x>"))
    from dabir.channels import secrets

    wrong = make_mailbox(world.secretariat, dovecot, password_encrypted=secrets.encrypt("wrong"))
    good = make_mailbox(world.secretariat, dovecot, "other", name="دوم")  # its own address
    assert poll_all() == 1
    wrong.refresh_from_db()
    good.refresh_from_db()
    assert "گذرواژه نادرست" in wrong.last_error and good.last_error == ""
    assert IntakeItem.objects.get().mailbox == good


def test_untrusted_certificate_and_refused_port(world, dovecot):
    box = make_mailbox(world.secretariat, dovecot, ca_certificate="")
    poll_mailbox(box)
    box.refresh_from_db()
    assert "گواهی TLS" in box.last_error
    closed = make_mailbox(world.secretariat, dovecot, name="بسته", imap_port=1, address="closed@agency.example.ir")
    poll_mailbox(closed)
    closed.refresh_from_db()
    assert "نپذیرفت" in closed.last_error


def test_uidvalidity_change_resets_and_picks_up_the_new_folder(world, dovecot):
    dovecot.append("dabir", m.plain("پیش از بازسازی", message_id="<old@x>"))
    box = make_mailbox(world.secretariat, dovecot)
    poll_mailbox(box)
    box.refresh_from_db()
    before = box.uidvalidity
    time.sleep(1.1)  # dovecot's UIDVALIDITY is the folder's creation second
    dovecot.recreate_folder("dabir")
    dovecot.append("dabir", m.plain("پس از بازسازی", message_id="<new@x>"))
    assert poll_mailbox(box) == 1
    box.refresh_from_db()
    assert box.uidvalidity != before and box.last_uid == 1
    new = IntakeItem.objects.get(message_id="new@x")
    assert (new.uidvalidity, new.uid) == (box.uidvalidity, 1)


def test_a_held_lease_skips_the_mailbox(world, dovecot):
    from datetime import timedelta

    from django.utils import timezone

    dovecot.append("dabir", m.plain())
    box = make_mailbox(world.secretariat, dovecot)
    Mailbox.objects.filter(pk=box.pk).update(lease_until=timezone.now() + timedelta(minutes=5))
    assert poll_mailbox(box) == -1 and not IntakeItem.objects.exists()
    assert connection.vendor in ("sqlite", "postgresql")


def test_a_folder_with_a_persian_name_is_polled(world, dovecot):
    """Folder names travel in IMAP's modified UTF-7: «نامه‌های وارده» is created and read by its Persian name."""
    folder = "نامه‌های وارده"
    client = dovecot.client("dabir")
    try:
        status, data = client.create(imap.folder_argument(folder))
        assert status == "OK", data
    finally:
        client.logout()
    dovecot.append("dabir", m.plain("نامه در پوشه فارسی", message_id="<fa@x>"), folder=imap.folder_argument(folder))
    box = make_mailbox(world.secretariat, dovecot, folder=folder)
    assert poll_mailbox(box) == 1
    box.refresh_from_db()
    assert box.last_error == ""
    assert IntakeItem.objects.get(mailbox=box).subject == "نامه در پوشه فارسی"


def test_a_rebuilt_folder_that_lost_the_marks_doubles_nothing(world, dovecot):
    """The folder is rebuilt with the same messages and without Dabir's marks: they are only marked again."""
    raws = [m.plain("نامه پیش از بازسازی", message_id="<same@x>"), m.fax()]
    dovecot.append("dabir", *raws)
    box = make_mailbox(world.secretariat, dovecot)
    assert poll_mailbox(box) == 2
    time.sleep(1.1)  # dovecot's UIDVALIDITY is the folder's creation second
    dovecot.recreate_folder("dabir")
    dovecot.append("dabir", *raws, m.plain("نامه تازه", message_id="<fresh@x>"))
    assert poll_mailbox(box) == 1
    assert IntakeItem.objects.filter(mailbox=box).count() == 3
    assert queued(dovecot) == {1, 2, 3}
