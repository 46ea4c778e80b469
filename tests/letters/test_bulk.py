"""Work in bulk: the inbox's mark read, refer, file and complete, and the secretariat queue's register and
dispatch, through the services and through the pages, against the real database.

A batch is all or nothing: when any letter is not allowed nothing changes and the answer names each
refused letter (a hidden one by its id only, never its subject); when all pass each letter goes through
the one-by-one service, with its audit entry and its notices.
"""

import datetime as dt
import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.channels import addressing
from dabir.channels.models import Correspondent, Mailbox, PostDispatch, Transmission
from dabir.core.errors import DomainError
from dabir.core.jalali import format_date, today
from dabir.core.models import AuditEntry
from dabir.core.text import to_persian_digits
from dabir.letters import policy, services
from dabir.letters.models import Filing, Folder, Letter, Referral, ReferralStatus, Status
from dabir.letters.services import bulk
from dabir.notify.models import Notification
from tests.factories import make_registered, make_signed, make_user

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def to_manager(world, n, subject="درخواست شماره", **extra):
    """n incoming letters, each referred by the clerk to the manager's inbox."""
    return [
        services.register_incoming(
            user=world.clerk, secretariat=world.secretariat, subject=f"{subject} {i}", sender_name="شهرداری اهواز",
            channel="post", seat=world.seat(world.clerk_pos),
            refer_to=[services.ReferralSpec(world.manager_pos.id, note="بررسی شود")], **extra,
        )
        for i in range(1, n + 1)
    ]


def audit_count(action: str, **filters) -> int:
    return AuditEntry.objects.filter(action=action, **filters).count()


def snapshot(letters):
    """Everything a batch could change on these letters: their referrals, filings, states and numbers."""
    ids = [letter.pk for letter in letters]
    return (
        sorted(Referral.objects.filter(letter_id__in=ids).values_list("id", "status", "to_position_id")),
        sorted(Filing.objects.filter(letter_id__in=ids).values_list("folder_id", "letter_id")),
        sorted(Letter.objects.filter(pk__in=ids).values_list("id", "status", "number")),
        AuditEntry.objects.count(),
        Notification.objects.count(),
    )


def manager_seat(world):
    return world.seat(world.manager_pos)


# ---------------------------------------------------------------- each act, done


def test_mark_read_marks_each_open_referral_read_with_its_audit_entry(world):
    letters = to_manager(world, 3)
    already = Referral.objects.get(letter=letters[0], to_position=world.manager_pos)
    services.mark_read(user=world.manager, seat=manager_seat(world), referral=already)

    batch = bulk.mark_read(user=world.manager, seat=manager_seat(world), letter_ids=[le.pk for le in letters])

    assert [le.pk for le in batch.done] == [letters[1].pk, letters[2].pk]
    assert [le.pk for le in batch.unchanged] == [letters[0].pk]
    referrals = Referral.objects.filter(letter__in=letters, to_position=world.manager_pos)
    assert {r.status for r in referrals} == {ReferralStatus.READ}
    assert all(r.read_by_id == world.manager.pk for r in referrals)
    for r in referrals:
        assert audit_count("referral.read", object_id=str(r.pk)) == 1


def test_refer_sends_every_letter_to_the_same_positions_with_the_same_note_action_and_deadline(world):
    letters = to_manager(world, 4)
    deadline = today() + dt.timedelta(days=5)
    targets = [services.ReferralSpec(world.expert_pos.id, "information", "برای آگاهی و بایگانی", deadline),
               services.ReferralSpec(world.other_pos.id, "information", "برای آگاهی و بایگانی", deadline)]
    notices_before = {u: Notification.objects.filter(user=u).count() for u in (world.expert, world.other)}

    batch = bulk.refer(user=world.manager, seat=manager_seat(world), letter_ids=[le.pk for le in letters],
                       targets=targets)

    assert [le.pk for le in batch.done] == [le.pk for le in letters]
    for letter in letters:
        sent = Referral.objects.filter(letter=letter, from_position=world.manager_pos)
        assert sorted(sent.values_list("to_position_id", flat=True)) == sorted([world.expert_pos.id, world.other_pos.id])
        assert set(sent.values_list("note", "action", "deadline")) == {("برای آگاهی و بایگانی", "information", deadline)}
        own = Referral.objects.get(letter=letter, to_position=world.manager_pos)
        assert own.status == ReferralStatus.FORWARDED  # forwarded, as one by one
        assert audit_count("letter.refer", object_id=str(letter.pk)) == 1
    # The service's notices, one per letter and target holder (the events part raises them in refer).
    for user in (world.expert, world.other):
        assert Notification.objects.filter(user=user).count() == notices_before[user] + 4
        assert set(Notification.objects.filter(user=user).values_list("url", flat=True)[:4]) == {
            reverse("letter_detail", args=[le.pk]) for le in letters}


def test_file_puts_every_letter_in_the_folder_with_its_audit_entry(world):
    letters = to_manager(world, 3)
    folder = Folder.objects.create(agency=world.agency, unit=world.unit, code="F-1", title="بودجه ۱۴۰۵")

    bulk.file_letters(user=world.manager, seat=manager_seat(world), letter_ids=[le.pk for le in letters],
                      folder=folder)

    assert set(Filing.objects.filter(folder=folder).values_list("letter_id", flat=True)) == {le.pk for le in letters}
    for letter in letters:
        assert audit_count("letter.file", object_id=str(letter.pk)) == 1


def test_complete_marks_each_referral_done_with_the_note_and_tells_the_referrer(world):
    letters = to_manager(world, 3)
    before = Notification.objects.filter(user=world.clerk).count()

    bulk.complete(user=world.manager, seat=manager_seat(world), letter_ids=[le.pk for le in letters],
                  note="انجام شد؛ پاسخ فرستاده شد")

    referrals = Referral.objects.filter(letter__in=letters, to_position=world.manager_pos)
    assert {(r.status, r.result_note) for r in referrals} == {(ReferralStatus.DONE, "انجام شد؛ پاسخ فرستاده شد")}
    for r in referrals:
        assert audit_count("referral.done", object_id=str(r.pk)) == 1
    assert Notification.objects.filter(user=world.clerk).count() == before + 3


def test_register_numbers_every_signed_letter_gaplessly(world):
    letters = [make_signed(world, subject=f"گزارش ماهانه {i}") for i in range(3)]

    bulk.register(user=world.clerk, letter_ids=[le.pk for le in letters])

    numbered = list(Letter.objects.filter(pk__in=[le.pk for le in letters]).order_by("seq"))
    assert [le.status for le in numbered] == [Status.REGISTERED] * 3
    assert [le.seq for le in numbered] == [1, 2, 3]
    for letter in letters:
        assert audit_count("letter.register", object_id=str(letter.pk)) == 1


def _book(world, name, **ways):
    return Correspondent.objects.create(agency=world.agency, name=name, search_name=addressing.search_name(name),
                                        **ways)


def _sending_mailbox(world):
    """The secretariat's outgoing mailbox and fax gateway (the jobs that would send are only queued here)."""
    return Mailbox.objects.create(secretariat=world.secretariat, name="صندوق دبیرخانه", address="dabir@ostan.example",
                                  receives=False, sends=True, smtp_host="127.0.0.1",
                                  fax_gateway="{number}@fax.ostan.example")


def test_dispatch_sends_each_letter_by_its_own_default_channel(world):
    _sending_mailbox(world)
    _book(world, "شرکت آب و فاضلاب خوزستان", postal_address="اهواز، کیانپارس", postal_code="6155689451")
    _book(world, "اداره کل راه و شهرسازی", fax="06133334444")
    by_post = make_registered(world, kind="outgoing", to=["شرکت آب و فاضلاب خوزستان"], subject="درخواست انشعاب")
    by_fax = make_registered(world, kind="outgoing", to=["اداره کل راه و شهرسازی"], subject="گزارش راه‌ها")

    batch = bulk.dispatch(user=world.clerk, letter_ids=[by_post.pk, by_fax.pk])

    assert {le.pk: le.bulk_channel for le in batch.done} == {by_post.pk: "post", by_fax.pk: "fax"}
    assert dict(Letter.objects.filter(pk__in=[by_post.pk, by_fax.pk]).values_list("id", "channel")) == {
        by_post.pk: "post", by_fax.pk: "fax"}
    for letter in (by_post, by_fax):
        assert audit_count("letter.dispatch", object_id=str(letter.pk)) == 1
    # Each went through its channel's outlet, as one by one: a line of the post list, a fax transmission.
    assert PostDispatch.objects.filter(letter=by_post).count() == 1
    assert Transmission.objects.filter(letter=by_fax, kind=Transmission.Kind.FAX).count() == 1


def test_an_outlet_refusing_one_letter_midway_rolls_back_the_letters_sent_before_it(world):
    _book(world, "شرکت آب و فاضلاب خوزستان", postal_address="اهواز، کیانپارس", postal_code="6155689451")
    _book(world, "اداره کل راه و شهرسازی", fax="06133334444")
    by_post = make_registered(world, kind="outgoing", to=["شرکت آب و فاضلاب خوزستان"], subject="درخواست انشعاب")
    by_fax = make_registered(world, kind="outgoing", to=["اداره کل راه و شهرسازی"], subject="گزارش راه‌ها")
    before = snapshot([by_post, by_fax])

    # No fax gateway is set up: the fax outlet refuses the second letter after the first was put on the post list.
    with pytest.raises(bulk.BatchFailed) as caught:
        bulk.dispatch(user=world.clerk, letter_ids=[by_post.pk, by_fax.pk])

    assert caught.value.letter.pk == by_fax.pk and "درگاه ارسال نمابر" in caught.value.message
    assert to_persian_digits(by_fax.number) in caught.value.message
    assert snapshot([by_post, by_fax]) == before
    assert not PostDispatch.objects.exists()


def test_dispatch_refuses_a_letter_with_no_known_channel_unless_one_is_chosen_for_all(world):
    _book(world, "شرکت آب و فاضلاب خوزستان", postal_address="اهواز، کیانپارس", postal_code="6155689451")
    known = make_registered(world, kind="outgoing", to=["شرکت آب و فاضلاب خوزستان"], subject="درخواست انشعاب")
    unknown = make_registered(world, kind="outgoing", to=["یک شرکت ناشناس"], subject="پاسخ استعلام")
    before = snapshot([known, unknown])

    with pytest.raises(bulk.BatchRefused) as caught:
        bulk.dispatch(user=world.clerk, letter_ids=[known.pk, unknown.pk])
    assert [r.letter_id for r in caught.value.refusals] == [unknown.pk]
    assert caught.value.refusals[0].reason == bulk.NO_CHANNEL
    assert caught.value.allowed == [known.pk]
    assert snapshot([known, unknown]) == before

    bulk.dispatch(user=world.clerk, letter_ids=[known.pk, unknown.pk], channel="post")
    assert set(Letter.objects.filter(pk__in=[known.pk, unknown.pk]).values_list("status", "channel")) == {
        (Status.DISPATCHED, "post")}


# ---------------------------------------------------------------- all or nothing


def test_one_letter_not_allowed_refuses_the_whole_batch_and_names_it(world):
    letters = to_manager(world, 3)
    # The manager saw this one and referred it on: it stays visible to him, but it is no longer his to refer.
    gone = to_manager(world, 1, subject="نامه ارجاع‌شده")[0]
    services.refer(user=world.manager, seat=manager_seat(world), letter=gone,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    batch = [*letters, gone]
    before = snapshot(batch)

    with pytest.raises(bulk.BatchRefused) as caught:
        bulk.refer(user=world.manager, seat=manager_seat(world), letter_ids=[le.pk for le in batch],
                   targets=[services.ReferralSpec(world.other_pos.id)])

    exc = caught.value
    assert [(r.letter_id, r.reason) for r in exc.refusals] == [
        (gone.pk, "این نامه در کارتابل شما نیست؛ نمی‌توانید آن را ارجاع دهید.")]
    assert f"نامه {to_persian_digits(gone.number)}: این نامه در کارتابل شما نیست" in exc.message
    assert exc.message.startswith("«ارجاع» روی هیچ نامه‌ای انجام نشد")
    assert exc.allowed == [le.pk for le in letters]
    assert snapshot(batch) == before  # nothing changed: no referral, no audit entry, no notice


def test_letters_the_user_may_not_see_and_unknown_ids_are_refused_without_their_subject(world):
    mine = to_manager(world, 2)
    hidden = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="پرونده محرمانه پیمانکار کرانه", sender_name="دادگستری",
        channel="post", seat=world.seat(world.clerk_pos), classification="confidential",
        refer_to=[services.ReferralSpec(world.other_pos.id)],
    )
    assert not policy.can_see(world.manager, hidden)
    before = snapshot([*mine, hidden])

    with pytest.raises(bulk.BatchRefused) as caught:
        bulk.mark_read(user=world.manager, seat=manager_seat(world), letter_ids=[mine[0].pk, hidden.pk, 99999999, mine[1].pk])

    exc = caught.value
    assert [(r.letter_id, r.letter) for r in exc.refusals] == [(hidden.pk, None), (99999999, None)]
    assert {r.reason for r in exc.refusals} == {policy.BULK_HIDDEN}
    assert "کرانه" not in exc.message and "محرمانه" not in exc.message
    assert snapshot([*mine, hidden]) == before


def test_a_failure_midway_rolls_back_every_letter_done_before_it_and_names_the_letter(world):
    outgoing = make_signed(world, kind="outgoing", to=["شرکت آب و فاضلاب خوزستان"], subject="درخواست انشعاب")
    internal = make_signed(world, subject="گزارش داخلی")
    # The policy allows both, but the secretariat has no series for internal letters: the service refuses it
    # after the outgoing one was numbered.
    world.internal_series.active = False
    world.internal_series.save(update_fields=["active"])
    before = snapshot([outgoing, internal])

    with pytest.raises(bulk.BatchFailed) as caught:
        bulk.register(user=world.clerk, letter_ids=[outgoing.pk, internal.pk])

    assert caught.value.letter.pk == internal.pk
    assert "«گزارش داخلی»" in caught.value.message and "سری شماره" in caught.value.message
    assert snapshot([outgoing, internal]) == before
    # The number the rolled-back registration took is free again: the next one gets it.
    services.register_letter(user=world.clerk, letter=outgoing)
    outgoing.refresh_from_db()
    assert outgoing.seq == 1


def test_the_policy_check_refuses_what_the_one_by_one_service_refuses(world):
    """For letters in every state the inbox shows, the bulk pre-check and the service agree."""
    from django.db import transaction

    open_ones = to_manager(world, 2)
    done = to_manager(world, 1, subject="انجام‌شده")[0]
    services.complete(user=world.manager, seat=manager_seat(world),
                      referral=Referral.objects.get(letter=done, to_position=world.manager_pos))
    forwarded = to_manager(world, 1, subject="فرستاده")[0]
    services.refer(user=world.manager, seat=manager_seat(world), letter=forwarded,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    voided = to_manager(world, 1, subject="ابطالی")[0]
    services.void_letter(user=world.clerk, letter=voided, reason="تکراری")
    folder = Folder.objects.create(agency=world.agency, unit=world.unit, code="F-2", title="مکاتبات")
    seat = manager_seat(world)
    calls = {
        "refer": lambda le: services.refer(user=world.manager, seat=seat, letter=le,
                                           targets=[services.ReferralSpec(world.other_pos.id)]),
        "file": lambda le: services.file_letter(user=world.manager, seat=seat, letter=le, folder=folder),
        "complete": lambda le: services.complete(
            user=world.manager, seat=seat, referral=Referral.objects.filter(
                letter=le, to_position=world.manager_pos).order_by("-id").first()),
    }
    found = policy.bulk_letters(world.manager, [le.pk for le in [*open_ones, done, forwarded, voided]])
    for act, call in calls.items():
        for letter in found.values():
            refusal = policy.bulk_refusal(world.manager, seat, letter, act, clerk_secretariat_ids=())
            try:
                with transaction.atomic():
                    call(Letter.objects.get(pk=letter.pk))
                    raise _Undo
            except _Undo:
                service_said = None
            except DomainError as exc:
                service_said = exc.message
            assert (refusal is None) == (service_said is None), (act, letter.subject, refusal, service_said)


class _Undo(Exception):
    pass


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize("ids,said", [
    ([], "هیچ نامه‌ای انتخاب نشده است"),
    (["abc"], "شناسه نامه نامعتبر است"),
    ([-3], "شناسه نامه نامعتبر است"),
    (list(range(1, policy.BULK_LIMIT + 2)), "بیش از ۱۰۰ نامه"),
])
def test_a_bad_selection_is_refused_in_persian(world, ids, said):
    with pytest.raises(DomainError) as caught:
        bulk.mark_read(user=world.manager, seat=manager_seat(world), letter_ids=ids)
    assert said in caught.value.message and caught.value.field == "letters"


def test_refer_without_targets_and_to_a_folder_of_another_agency_are_refused(world):
    from tests.factories import make_world

    letters = to_manager(world, 1)
    with pytest.raises(DomainError, match="گیرنده"):
        bulk.refer(user=world.manager, seat=manager_seat(world), letter_ids=[letters[0].pk], targets=[])
    elsewhere = make_world("استانداری دیگر")
    folder = Folder.objects.create(agency=elsewhere.agency, unit=elsewhere.unit, code="X", title="بیگانه")
    with pytest.raises(DomainError, match="از دستگاه شما نیست"):
        bulk.file_letters(user=world.manager, seat=manager_seat(world), letter_ids=[letters[0].pk], folder=folder)
    assert not Filing.objects.exists()


# ---------------------------------------------------------------- the pages


def _ids(letters):
    return [str(le.pk) for le in letters]


def test_the_inbox_shows_a_labelled_checkbox_per_letter_and_the_bulk_bar(world):
    letters = to_manager(world, 2)
    page = login(world.manager).get(reverse("inbox")).content.decode()
    assert f'action="{reverse("bulk_inbox")}"' in page
    for letter in letters:
        assert re.search(rf'name="letters" value="{letter.pk}"', page)
        assert f"انتخاب نامه {to_persian_digits(letter.number)} {letter.subject}" in page
    assert "انتخاب همه نامه‌های این صفحه" in page and "dabir/bulk.js" in page
    # The refer dialog lists the agency's other positions; the file dialog the agency's folders.
    assert f'<option value="{world.expert_pos.id}"' in page and 'id="bulk-refer"' in page
    assert 'name="refer-positions"' in page and 'name="refer-deadline"' in page


def test_bulk_refer_through_the_page_goes_back_to_the_inbox_with_a_message(world):
    letters = to_manager(world, 3)
    client = login(world.manager)
    back = reverse("inbox") + "?state=open"
    answer = client.post(reverse("bulk_inbox"), {
        "letters": _ids(letters), "act": "refer", "next": back, "refer-positions": [world.expert_pos.id],
        "refer-action": "action", "refer-note": "پیگیری شود", "refer-deadline": format_date(today() + dt.timedelta(days=3)),
    })
    assert answer.status_code == 302 and answer.url == back
    assert Referral.objects.filter(letter__in=letters, to_position=world.expert_pos, note="پیگیری شود").count() == 3
    assert "۳ نامه ارجاع شد." in client.get(back).content.decode()


def test_without_javascript_the_refer_button_opens_the_bulk_page_with_the_letters_ticked(world):
    letters = to_manager(world, 2)
    answer = login(world.manager).post(reverse("bulk_inbox"), {"letters": _ids(letters), "start": "refer"})
    page = answer.content.decode()
    assert answer.status_code == 200
    for letter in letters:
        assert re.search(rf'name="letters" value="{letter.pk}" id="bulk-letter-{letter.pk}" checked', page)
    assert 'name="refer-positions"' in page and 'name="act" value="refer"' in page
    assert not Referral.objects.filter(from_position=world.manager_pos).exists()


def test_a_refused_batch_shows_each_refused_letter_keeps_the_rest_ticked_and_one_click_does_them(world):
    letters = to_manager(world, 2)
    gone = to_manager(world, 1, subject="نامه ارجاع‌شده")[0]
    services.refer(user=world.manager, seat=manager_seat(world), letter=gone,
                   targets=[services.ReferralSpec(world.expert_pos.id)])
    client = login(world.manager)
    fields = {"act": "refer", "refer-positions": [world.other_pos.id], "refer-action": "information",
              "refer-note": "هامش نوشته‌شده کاربر"}
    answer = client.post(reverse("bulk_inbox"), {"letters": _ids([*letters, gone]), **fields})
    page = answer.content.decode()
    assert answer.status_code == 409
    assert "هیچ نامه‌ای تغییر نکرد" in page and "نامه ارجاع‌شده 1" in page
    assert "این نامه در کارتابل شما نیست؛ نمی‌توانید آن را ارجاع دهید." in page
    assert "هامش نوشته‌شده کاربر" in page  # what was typed is kept
    assert re.search(rf'value="{gone.pk}" id="bulk-letter-{gone.pk}">', page)  # the refused one unticked
    assert not Referral.objects.filter(to_position=world.other_pos).exists()

    again = client.post(reverse("bulk_inbox"), {"letters": _ids(letters), **fields})
    assert again.status_code == 302
    assert Referral.objects.filter(to_position=world.other_pos).count() == 2


def test_the_pages_refuse_bad_input_in_persian_without_a_500_or_a_hidden_subject(world):
    mine = to_manager(world, 1)
    hidden = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="پرونده محرمانه پیمانکار کرانه", sender_name="دادگستری",
        channel="post", seat=world.seat(world.clerk_pos), classification="confidential",
        refer_to=[services.ReferralSpec(world.other_pos.id)],
    )
    client = login(world.manager)
    url = reverse("bulk_inbox")

    empty = client.post(url, {"act": "read"})
    assert empty.status_code == 400 and "هیچ نامه‌ای انتخاب نشده است" in empty.content.decode()
    junk = client.post(url, {"act": "read", "letters": ["۱۲x"]})
    assert junk.status_code == 400 and "شناسه نامه نامعتبر است" in junk.content.decode()
    no_act = client.post(url, {"letters": _ids(mine), "act": "delete"})
    assert no_act.status_code == 400 and "این اقدام گروهی اینجا نیست" in no_act.content.decode()
    past = client.post(url, {"letters": _ids(mine), "act": "refer", "refer-positions": [world.expert_pos.id],
                             "refer-action": "action", "refer-note": "یادداشت مانده",
                             "refer-deadline": format_date(today() - dt.timedelta(days=2))})
    assert past.status_code == 400
    assert "این تاریخ نمی‌تواند در گذشته باشد" in past.content.decode() and "یادداشت مانده" in past.content.decode()
    no_target = client.post(url, {"letters": _ids(mine), "act": "refer", "refer-action": "action"})
    assert no_target.status_code == 400 and "دست‌کم یک گیرنده ارجاع را انتخاب کنید" in no_target.content.decode()
    secret = client.post(url, {"letters": _ids([*mine, hidden]), "act": "read"})
    text = secret.content.decode()
    assert secret.status_code == 409
    assert f"شناسه {''.join('۰۱۲۳۴۵۶۷۸۹'[int(d)] for d in str(hidden.pk))}" in text
    assert "کرانه" not in text and "محرمانه پیمانکار" not in text
    assert client.get(url).status_code == 405
    assert Referral.objects.get(letter=mine[0]).status == ReferralStatus.UNREAD


def test_a_user_without_a_seat_or_outside_the_secretariat_is_refused(world):
    seatless = make_user()
    assert login(seatless).post(reverse("bulk_inbox"), {"act": "read", "letters": ["1"]}).status_code == 403
    letter = make_signed(world)
    answer = login(world.expert).post(reverse("bulk_queue"), {"act": "register", "letters": [letter.pk]})
    assert answer.status_code == 403
    assert login(world.expert).get(reverse("to_dispatch")).status_code == 403
    letter.refresh_from_db()
    assert letter.status == Status.APPROVED


def test_the_queue_registers_several_at_once_and_comes_back(world):
    letters = [make_signed(world, subject=f"گزارش {i}") for i in range(3)]
    client = login(world.clerk)
    page = client.get(reverse("to_register")).content.decode()
    for letter in letters:
        assert f'name="letters" value="{letter.pk}" form="bulk-form"' in page
        assert f"انتخاب نامه {letter.subject}" in page
    answer = client.post(reverse("bulk_queue"), {"act": "register", "letters": _ids(letters),
                                                 "next": reverse("to_register")})
    assert answer.status_code == 302 and answer.url == reverse("to_register")
    assert set(Letter.objects.filter(pk__in=[le.pk for le in letters]).values_list("status", flat=True)) == {
        Status.REGISTERED}
    assert "۳ نامه ثبت و شماره‌گذاری شد." in client.get(reverse("to_register")).content.decode()


def test_the_dispatch_list_shows_each_letters_channel_and_sends_them(world):
    _sending_mailbox(world)
    _book(world, "شرکت آب و فاضلاب خوزستان", email="info@water.example.ir")
    known = make_registered(world, kind="outgoing", to=["شرکت آب و فاضلاب خوزستان"], subject="درخواست انشعاب")
    unknown = make_registered(world, kind="outgoing", to=["یک شرکت ناشناس"], subject="پاسخ استعلام")
    client = login(world.clerk)
    page = client.get(reverse("to_dispatch")).content.decode()
    assert "درخواست انشعاب" in page and "پاسخ استعلام" in page and "ایمیل" in page
    assert "نامعلوم؛ روشی برای همه برگزینید" in page

    refused = client.post(reverse("bulk_queue"), {"act": "dispatch", "letters": _ids([known, unknown])})
    assert refused.status_code == 409 and bulk.NO_CHANNEL in refused.content.decode()
    done = client.post(reverse("bulk_queue"), {"act": "dispatch", "letters": _ids([known])})
    assert done.status_code == 302 and done.url == reverse("to_dispatch")
    known.refresh_from_db()
    assert (known.status, known.channel) == (Status.DISPATCHED, "email")
    assert "پاسخ استعلام" in client.get(reverse("to_dispatch")).content.decode()
    assert "درخواست انشعاب" not in client.get(reverse("to_dispatch")).content.decode()
