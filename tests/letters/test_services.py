"""The correspondence workflow through its services: each step, its refusals and its audit entry."""

import contextlib
import datetime as dt

import pytest
from django.conf import settings as django_settings

from dabir.core.calendar import add_working_days
from dabir.core.errors import Conflict, DomainError, NotAllowed
from dabir.core.jalali import jalali_year, today
from dabir.core.models import AuditEntry
from dabir.letters import services
from dabir.letters.models import Action, Filing, Letter, PrintRecord, Referral, ReferralStatus, Status

from ..factories import make_draft, make_registered, make_signed, register_incoming


@contextlib.contextmanager
def audited(action: str, count: int = 1):
    """The block writes exactly `count` audit entries, all of them `action`."""
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    yield
    new = list(AuditEntry.objects.filter(id__gt=before).values_list("action", flat=True))
    assert new == [action] * count, new


@contextlib.contextmanager
def refused(error=DomainError, field=None):
    """The block is refused with `error` (Persian message, given field) and writes no audit entry."""
    before = AuditEntry.objects.count()
    with pytest.raises(error) as caught:
        yield caught
    assert any("\u0600" <= ch <= "\u06ff" for ch in caught.value.message), caught.value.message
    if field is not None:
        assert caught.value.field == field
    assert AuditEntry.objects.count() == before


def seat(world, pos):
    return world.seat(pos)


def open_referral(letter, position):
    return Referral.objects.get(letter=letter, to_position=position, status__in=["unread", "read"])


# ---------------------------------------------------------------- incoming and bad input


def test_register_incoming_numbers_refers_and_audits(world):
    # when the clerk registers a letter from outside and refers it to the manager
    with audited("letter.register_incoming"):
        letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id, note="بررسی شود")])
    # then it is registered with the first incoming number, and the manager has it unread
    assert (letter.kind, letter.status, letter.seq) == ("incoming", Status.REGISTERED, 1)
    assert letter.number == f"{jalali_year(letter.registered_at)}/و/1"
    referral = open_referral(letter, world.manager_pos)
    assert (referral.status, referral.action, referral.note) == ("unread", Action.ACTION, "بررسی شود")
    assert referral.from_position == world.clerk_pos
    assert AuditEntry.objects.get(action="letter.register_incoming").data["referrals"] == [referral.id]


@pytest.mark.parametrize(
    "override, field",
    [
        ({"subject": "  "}, "subject"),
        ({"sender_name": ""}, "sender_name"),
        ({"channel": "pigeon"}, "channel"),
        ({"urgency": "yesterday"}, "urgency"),
        ({"classification": "public"}, "classification"),
        ({"sender_date": dt.date.today() + dt.timedelta(days=2)}, "sender_date"),
        ({"subject": "م" * 501}, "subject"),
    ],
)
def test_bad_incoming_input_is_refused_in_persian(world, override, field):
    # when the clerk registers with one bad value
    with refused(DomainError, field):
        register_incoming(world, **override)
    # then no letter exists
    assert not Letter.objects.exists()


def test_a_script_in_the_body_is_removed(world):
    # when a body carries a script and an event handler
    letter = register_incoming(world, body='<p onclick="steal()">سلام<script>alert(1)</script></p><b>مهم</b>')
    # then only the safe markup remains
    assert "<script" not in letter.body and "onclick" not in letter.body and "alert" not in letter.body
    assert "<b>مهم</b>" in letter.body and "سلام" in letter.body


def test_styles_keep_layout_only_and_links_are_safe(world):
    letter = register_incoming(
        world,
        body='<p style="position:fixed;top:0;text-align:center">متن</p><a href="javascript:alert(1)">پیوند</a>',
    )
    assert '<p class="text-align-center">متن</p>' in letter.body and "position" not in letter.body
    assert "style" not in letter.body and "javascript" not in letter.body


def test_pasted_styles_become_classes_the_csp_lets_the_page_show(world):
    # the page's CSP (style-src 'self') ignores inline styles: alignment becomes a class, direction `dir`
    letter = register_incoming(world, body=(
        '<p style="text-align:center">وسط</p><div style="direction:ltr; text-align: justify; color:red">abc</div>'
        '<p class="text-align-left other">چپ</p><span style="color:red;font-weight:bold">قرمز</span>'
    ))
    assert letter.body == (
        '<p class="text-align-center">وسط</p><div dir="ltr" class="text-align-justify">abc</div>'
        '<p class="text-align-left">چپ</p><span>قرمز</span>'
    )
    # an edit round-trips the classes
    assert services.sanitize_body(letter.body) == letter.body


@pytest.mark.parametrize(
    "override, field",
    [
        ({"subject": ""}, "subject"),
        ({"kind": "incoming"}, "kind"),
        ({"to": []}, "to"),
        ({"to": ["بیرونی"]}, "to"),
        ({"urgency": "x"}, "urgency"),
        ({"classification": "x"}, "classification"),
        ({"to": [987654]}, "to"),
        ({"signer_position_id": 987654}, "signer_position"),
    ],
)
def test_bad_draft_input_is_refused(world, override, field):
    with refused(DomainError, field):
        make_draft(world, **override)
    assert not Letter.objects.exists()


def test_a_signer_must_be_able_to_sign(world):
    with refused(DomainError, "signer_position"):
        make_draft(world, signer_position_id=world.other_pos.id)


# ---------------------------------------------------------------- drafting, signing, registering


def test_internal_letter_from_draft_to_recipients(world):
    # given a draft by the expert to the other position, cc the clerk's position
    with audited("letter.draft"):
        letter = make_draft(world, to=[world.other_pos.id], cc=[world.clerk_pos.id])
    assert letter.status == Status.DRAFT and letter.seq is None
    # when the expert submits it for signature
    with audited("letter.submit_for_signature"):
        sig = services.submit_for_signature(user=world.expert, seat=seat(world, world.expert_pos), letter=letter)
    # then it waits in the manager's inbox "for signature"
    letter.refresh_from_db()
    assert letter.status == Status.AWAITING_SIGNATURE
    assert (sig.to_position, sig.action, sig.status) == (world.manager_pos, Action.SIGNATURE, "unread")
    # when the manager approves
    with audited("letter.approve"):
        services.approve(user=world.manager, seat=seat(world, world.manager_pos), letter=letter)
    letter.refresh_from_db()
    sig.refresh_from_db()
    assert letter.status == Status.APPROVED and letter.approved_by == world.manager
    assert sig.status == ReferralStatus.DONE
    # and the clerk registers it
    with audited("letter.register"):
        services.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    # then it has the internal series' number and reaches "to" for action, "cc" for information
    assert (letter.status, letter.series, letter.seq) == (Status.REGISTERED, world.internal_series, 1)
    to_ref, cc_ref = open_referral(letter, world.other_pos), open_referral(letter, world.clerk_pos)
    assert to_ref.action == Action.ACTION and to_ref.deadline is not None
    assert cc_ref.action == Action.INFORMATION and cc_ref.deadline is None
    assert to_ref.from_position == world.manager_pos


def test_outgoing_letter_is_registered_then_dispatched(world):
    # given a signed outgoing letter to an outside party
    letter = make_signed(world, kind="outgoing", to=["شهرداری اهواز"])
    # when registered and handed over in person (a channel no app carries: the post's dispatch list
    # is the channels app's, tested there)
    services.register_letter(user=world.clerk, letter=letter)
    letter.refresh_from_db()
    assert letter.series == world.outgoing_series and letter.number.endswith("/ص/1")
    with audited("letter.dispatch"):
        services.dispatch(user=world.clerk, letter=letter, channel="in_person")
    # then it is dispatched by that channel; it cannot be dispatched twice
    letter.refresh_from_db()
    assert (letter.status, letter.channel) == (Status.DISPATCHED, "in_person")
    assert letter.dispatched_at is not None
    with refused(Conflict):
        services.dispatch(user=world.clerk, letter=letter, channel="post")


def test_dispatch_refuses_an_unknown_channel(world):
    letter = make_registered(world, kind="outgoing", to=["شهرداری"])
    with refused(DomainError, "channel"):
        services.dispatch(user=world.clerk, letter=letter, channel="carrier-pigeon")


def test_return_to_author_puts_it_back_to_draft(world):
    # given a letter awaiting the manager's signature
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=seat(world, world.expert_pos), letter=letter)
    # when the manager returns it with a note
    with audited("letter.return_to_author"):
        services.return_to_author(user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
                                  note="بند دوم اصلاح شود")
    # then it is a draft again and the author has a referral with the note
    letter.refresh_from_db()
    assert letter.status == Status.DRAFT
    back = open_referral(letter, world.expert_pos)
    assert back.note == "بند دوم اصلاح شود" and back.from_position == world.manager_pos
    # and the author may edit and resubmit it
    services.update_draft(
        user=world.expert, seat=seat(world, world.expert_pos), letter=letter, subject="گزارش اصلاح‌شده",
        body="", to=[world.other_pos.id], cc=[], signer_position_id=world.manager_pos.id, urgency="normal",
        classification="unclassified", keywords="", links=[],
    )
    services.submit_for_signature(user=world.expert, seat=seat(world, world.expert_pos), letter=letter)
    letter.refresh_from_db()
    assert letter.status == Status.AWAITING_SIGNATURE and letter.subject == "گزارش اصلاح‌شده"


def test_return_needs_a_note_and_only_the_signer_returns(world):
    letter = make_draft(world)
    services.submit_for_signature(user=world.expert, seat=seat(world, world.expert_pos), letter=letter)
    with refused(DomainError, "note"):
        services.return_to_author(user=world.manager, seat=seat(world, world.manager_pos), letter=letter, note=" ")
    with refused(NotAllowed):
        services.approve(user=world.other, seat=seat(world, world.other_pos), letter=letter)


def test_workflow_steps_out_of_order_are_refused(world):
    letter = make_draft(world)
    # a draft is not approved, registered or voided
    with refused(Conflict):
        services.approve(user=world.manager, seat=seat(world, world.manager_pos), letter=letter)
    with refused(Conflict):
        services.register_letter(user=world.clerk, letter=letter)
    with refused(Conflict):
        services.void_letter(user=world.clerk, letter=letter, reason="اشتباه")
    # only its author submits it
    with refused(NotAllowed):
        services.submit_for_signature(user=world.other, seat=seat(world, world.other_pos), letter=letter)


# ---------------------------------------------------------------- referrals


def test_refer_forwards_the_parent_referral(world):
    # given an incoming letter in the manager's inbox
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    parent = open_referral(letter, world.manager_pos)
    # when the manager refers it on to the expert (action) and the other (information)
    with audited("letter.refer"):
        children = services.refer(
            user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
            targets=[services.ReferralSpec(world.expert_pos.id, note="پیگیری شود"),
                     services.ReferralSpec(world.other_pos.id, action=Action.INFORMATION)],
        )
    # then both are children of the manager's referral, which is now forwarded
    parent.refresh_from_db()
    assert parent.status == ReferralStatus.FORWARDED
    assert {c.parent_id for c in children} == {parent.id}
    assert {(c.to_position_id, c.action) for c in children} == {
        (world.expert_pos.id, Action.ACTION), (world.other_pos.id, Action.INFORMATION)}


def test_mark_read_once_then_complete(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = open_referral(letter, world.manager_pos)
    # when the manager opens it (twice)
    with audited("referral.read"):
        services.mark_read(user=world.manager, seat=seat(world, world.manager_pos), referral=referral)
        first_read = Referral.objects.get(pk=referral.pk).read_at
        services.mark_read(user=world.manager, seat=seat(world, world.manager_pos), referral=referral)
    # then the first read time is kept, not acting
    referral.refresh_from_db()
    assert (referral.status, referral.read_at, referral.read_by, referral.read_as_acting) == (
        "read", first_read, world.manager, False)
    # when completed, it is done with its note, and cannot be completed twice
    with audited("referral.done"):
        services.complete(user=world.manager, seat=seat(world, world.manager_pos), referral=referral, note="انجام شد")
    referral.refresh_from_db()
    assert (referral.status, referral.result_note, referral.acted_by) == ("done", "انجام شد", world.manager)
    with refused(Conflict):
        services.complete(user=world.manager, seat=seat(world, world.manager_pos), referral=referral)


def test_only_the_receiver_reads_or_completes(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    referral = open_referral(letter, world.manager_pos)
    with refused(NotAllowed):
        services.mark_read(user=world.expert, seat=seat(world, world.expert_pos), referral=referral)
    with refused(NotAllowed):
        services.complete(user=world.expert, seat=seat(world, world.expert_pos), referral=referral)


def test_withdraw_while_unread_and_not_after(world):
    # given the manager referred the letter to the expert and the other
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    to_expert, to_other = services.refer(
        user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
        targets=[services.ReferralSpec(world.expert_pos.id), services.ReferralSpec(world.other_pos.id)],
    )
    # when someone other than the sender tries to withdraw, it is refused
    with refused(NotAllowed):
        services.withdraw(user=world.clerk, seat=seat(world, world.clerk_pos), referral=to_expert)
    # when the sender withdraws the unread one
    with audited("referral.withdraw"):
        services.withdraw(user=world.manager, seat=seat(world, world.manager_pos), referral=to_expert)
    to_expert.refresh_from_db()
    assert to_expert.status == ReferralStatus.WITHDRAWN
    # when the other has read theirs, withdrawing it is a conflict
    services.mark_read(user=world.other, seat=seat(world, world.other_pos), referral=to_other)
    with refused(Conflict):
        services.withdraw(user=world.manager, seat=seat(world, world.manager_pos), referral=to_other)


def test_withdrawing_the_last_open_child_reopens_the_parent(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    parent = open_referral(letter, world.manager_pos)
    (child,) = services.refer(user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
                              targets=[services.ReferralSpec(world.expert_pos.id)])
    services.withdraw(user=world.manager, seat=seat(world, world.manager_pos), referral=child)
    parent.refresh_from_db()
    assert parent.status == ReferralStatus.READ


def test_reassign_while_unread_keeps_action_and_deadline(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    deadline = add_working_days(today(), 4)
    (ref,) = services.refer(user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
                            targets=[services.ReferralSpec(world.expert_pos.id, note="هامش", deadline=deadline)])
    # when the sender reassigns it to the other position
    with audited("referral.reassign"):
        new = services.reassign(user=world.manager, seat=seat(world, world.manager_pos), referral=ref,
                                to_position_id=world.other_pos.id)
    # then the old one is reassigned and the new one carries the same action, note and deadline
    ref.refresh_from_db()
    assert ref.status == ReferralStatus.REASSIGNED
    assert (new.to_position_id, new.action, new.note, new.deadline, new.parent_id) == (
        world.other_pos.id, Action.ACTION, "هامش", deadline, ref.parent_id)
    # and once read, it cannot be reassigned; nor by anyone but the sender
    with refused(NotAllowed):
        services.reassign(user=world.other, seat=seat(world, world.other_pos), referral=new,
                          to_position_id=world.expert_pos.id)
    services.mark_read(user=world.other, seat=seat(world, world.other_pos), referral=new)
    with refused(Conflict):
        services.reassign(user=world.manager, seat=seat(world, world.manager_pos), referral=new,
                          to_position_id=world.expert_pos.id)


def test_default_deadline_counts_working_days_by_urgency(world):
    # given an urgent letter
    letter = register_incoming(world, urgency="urgent")
    # when referred for action and for information without a deadline
    action, info = services.refer(
        user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter,
        targets=[services.ReferralSpec(world.manager_pos.id),
                 services.ReferralSpec(world.expert_pos.id, action=Action.INFORMATION)],
    )
    # then the action gets the urgency's default in working days (Thursday and Friday not counted)
    days = django_settings.DABIR_URGENCY_DEADLINE_DAYS["urgent"]
    assert action.deadline == _working_days_after(today(), days)
    # and information has no deadline
    assert info.deadline is None


def test_the_agency_overrides_the_default_deadline(world):
    world.agency.deadline_days = {"normal": 2}
    world.agency.save()
    letter = register_incoming(world)
    (ref,) = services.refer(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter,
                            targets=[services.ReferralSpec(world.manager_pos.id)])
    assert ref.deadline == _working_days_after(today(), 2)


def _working_days_after(start: dt.date, days: int) -> dt.date:
    """Independent count: Saturday to Wednesday are working days (no holidays in the test data)."""
    day = start
    while days:
        day += dt.timedelta(days=1)
        if day.weekday() not in (3, 4):  # Thursday, Friday
            days -= 1
    return day


@pytest.mark.parametrize(
    "spec, field",
    [
        (lambda w: services.ReferralSpec(w.expert_pos.id, deadline=today() - dt.timedelta(days=1)), "deadline"),
        (lambda w: services.ReferralSpec(w.clerk_pos.id), "to_position"),
        (lambda w: services.ReferralSpec(987654), "to_position"),
        (lambda w: services.ReferralSpec(w.expert_pos.id, action="gossip"), "action"),
        (lambda w: services.ReferralSpec(w.expert_pos.id, note="ن" * 4001), "note"),
    ],
    ids=["past-deadline", "own-position", "unknown-position", "bad-action", "long-note"],
)
def test_bad_referrals_are_refused(world, spec, field):
    letter = register_incoming(world)
    with refused(DomainError, field):
        services.refer(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter, targets=[spec(world)])
    assert not Referral.objects.filter(letter=letter).exists()


def test_refer_needs_the_letter_in_ones_hands(world):
    # given an unclassified incoming letter referred to the manager only
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    # when the expert, who never received it, tries to refer it
    with refused(DomainError):
        services.refer(user=world.expert, seat=seat(world, world.expert_pos), letter=letter,
                       targets=[services.ReferralSpec(world.other_pos.id)])


# ---------------------------------------------------------------- closing, voiding, archiving, filing, printing


def test_close_letter_with_a_note(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    with refused(DomainError, "note"):
        services.close_letter(user=world.manager, seat=seat(world, world.manager_pos), letter=letter, note="")
    with audited("letter.close"):
        services.close_letter(user=world.manager, seat=seat(world, world.manager_pos), letter=letter,
                              note="نیازی به اقدام نیست")
    letter.refresh_from_db()
    assert (letter.status, letter.closed_note) == (Status.CLOSED, "نیازی به اقدام نیست")
    assert not Referral.objects.filter(letter=letter, status__in=["unread", "read"]).exists()


def test_void_keeps_the_number_and_withdraws_open_referrals(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    number = letter.number
    with refused(DomainError, "reason"):
        services.void_letter(user=world.clerk, letter=letter, reason=" ")
    with audited("letter.void"):
        services.void_letter(user=world.clerk, letter=letter, reason="ثبت تکراری")
    letter.refresh_from_db()
    assert (letter.status, letter.number, letter.void_reason) == (Status.VOID, number, "ثبت تکراری")
    assert letter.voided_at is not None
    assert Referral.objects.get(letter=letter).status == ReferralStatus.WITHDRAWN
    # voiding twice is refused; the next letter does not reuse the number
    with refused(Conflict):
        services.void_letter(user=world.clerk, letter=letter, reason="دوباره")
    assert register_incoming(world).seq == letter.seq + 1


def test_archive_only_without_open_referrals(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    with refused(Conflict):
        services.archive_letter(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter)
    services.complete(user=world.manager, seat=seat(world, world.manager_pos),
                      referral=open_referral(letter, world.manager_pos))
    with audited("letter.archive"):
        services.archive_letter(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter)
    letter.refresh_from_db()
    assert letter.status == Status.ARCHIVED and letter.archived_at is not None


def test_file_letter_into_a_folder_once(world):
    letter = register_incoming(world)
    with audited("folder.create"):
        folder = services.create_folder(user=world.clerk, seat=seat(world, world.clerk_pos), code="۱۰۱",
                                        title="بودجه")
    with refused(Conflict, "code"):
        services.create_folder(user=world.clerk, seat=seat(world, world.clerk_pos), code="۱۰۱", title="دیگر")
    with audited("letter.file"):
        services.file_letter(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter, folder=folder)
    with refused(Conflict, "folder"):
        services.file_letter(user=world.clerk, seat=seat(world, world.clerk_pos), letter=letter, folder=folder)
    assert Filing.objects.filter(folder=folder, letter=letter).count() == 1


def test_record_print_counts_per_user(world):
    letter = register_incoming(world, refer_to=[services.ReferralSpec(world.manager_pos.id)])
    with audited("letter.print", count=3):
        services.record_print(user=world.clerk, letter=letter)
        services.record_print(user=world.clerk, letter=letter, kind="referral_sheet")
        services.record_print(user=world.manager, letter=letter)
    counts = {u: PrintRecord.objects.filter(letter=letter, user=u).count() for u in (world.clerk, world.manager)}
    assert counts == {world.clerk: 2, world.manager: 1}
    # a user who may not see the letter cannot record a print of it
    with refused(NotAllowed):
        services.record_print(user=world.other, letter=letter)
    with refused(DomainError, "kind"):
        services.record_print(user=world.clerk, letter=letter, kind="poster")
