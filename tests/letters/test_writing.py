"""Writing faster: ready margin notes, letter templates and their placeholders, the searchable pickers'
marks; through the services, the pages and the admin against the real database."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.audit import AuditEntry
from dabir.core.errors import Conflict, DomainError, NotAllowed, NotFound
from dabir.core.jalali import format_date, today
from dabir.letters import services
from dabir.letters.models import LetterTemplate, ReadyNote, Referral
from dabir.letters.names import AuditAction
from dabir.letters.services import writing
from tests.factories import make_user, make_world


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def agency_admin(world):
    admin = make_user(is_staff=True)
    world.agency.admins.add(admin)
    return admin


def template_of(world, **extra):
    data = dict(agency=world.agency, title="استعلام", kind="outgoing", subject="استعلام درباره {گیرنده}",
                body="<p>{گیرنده}</p><p>با سلام، در تاریخ {تاریخ} از {دستگاه} …</p><p>{فرستنده}<br>{سمت_فرستنده}</p>")
    data.update(extra)
    return LetterTemplate.objects.create(**data)


# ---------------------------------------------------------------- templates: placeholders


@pytest.mark.django_db
def test_placeholders_are_filled_from_the_drafts_context(world):
    world.manager.first_name, world.manager.last_name = "علی", "مدیری"
    world.manager.save()
    template = template_of(world)
    filled = writing.fill_template(user=world.manager, seat=world.seat(world.manager_pos), template=template,
                                   to_positions=[world.expert_pos.id], to_names=["شهرداری اهواز"])
    date = format_date(today())
    assert re.fullmatch(r"[۰-۹]{4}/[۰-۹]{2}/[۰-۹]{2}", date)  # Jalali, Persian digits
    assert filled.subject == "استعلام درباره کارشناس فناوری، شهرداری اهواز"
    assert f"در تاریخ {date} از {world.agency.name}" in filled.body
    assert "علی مدیری" in filled.body and world.manager_pos.title in filled.body
    assert "{" not in filled.body and filled.unknown == [] and filled.empty == [] and filled.notices() == []
    assert filled.kind == "outgoing"


@pytest.mark.django_db
def test_unknown_placeholders_are_kept_and_reported_and_a_missing_recipient_too(world):
    template = template_of(world, subject="{موضوع_اصلی} برای {گیرنده}", body="<p>{شماره قرارداد} — {سمت فرستنده}</p>")
    filled = writing.fill_template(user=world.expert, seat=world.seat(world.expert_pos), template=template)
    # Unknown names stay as typed; a known one spelt with a space is still known.
    assert "{موضوع_اصلی}" in filled.subject and "{شماره قرارداد}" in filled.body
    assert world.expert_pos.title in filled.body
    assert filled.unknown == ["موضوع_اصلی", "شماره قرارداد"]
    assert filled.empty == ["گیرنده"] and "{گیرنده}" in filled.subject  # no recipient yet: left visible
    notices = " ".join(filled.notices())
    assert "{موضوع_اصلی}" in notices and "{شماره قرارداد}" in notices and "{گیرنده}" in notices


@pytest.mark.django_db
def test_the_body_is_sanitised_and_values_are_escaped(world):
    outsider = "<script>alert(1)</script>شرکت"
    template = template_of(world, body='<p onclick="x()">{گیرنده}</p><script>steal()</script><img src=x onerror=y>')
    filled = writing.fill_template(user=world.expert, seat=world.seat(world.expert_pos), template=template,
                                   to_names=[outsider])
    assert "<script" not in filled.body and "onclick" not in filled.body and "onerror" not in filled.body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;شرکت" in filled.body
    # Kept in the admin, the template's body is sanitised on the way in too.
    admin = agency_admin(world)
    saved = writing.save_template(user=admin, agency=world.agency, title="ابلاغ", body='<p style="color:red" '
                                  'onclick="x()">متن {تاریخ}</p><script>y()</script>')
    assert saved.body == "<p>متن {تاریخ}</p>"


@pytest.mark.django_db
def test_a_template_of_another_agency_or_switched_off_is_refused(world):
    elsewhere = make_world("دستگاه دیگر")
    theirs = template_of(elsewhere)
    with pytest.raises(NotAllowed):
        writing.fill_template(user=world.expert, seat=world.seat(world.expert_pos), template=theirs)
    off = template_of(world, title="کهنه", active=False)
    with pytest.raises(NotAllowed):
        writing.fill_template(user=world.expert, seat=world.seat(world.expert_pos), template=off)
    # Through the page: refused in Persian, nothing of the template's text given away.
    client = login(world.expert)
    answer = client.get(reverse("template_fill", args=[theirs.id]))
    assert answer.status_code == 403 and "از دستگاه شما نیست" in answer.json()["error"]
    assert "subject" not in answer.json()
    page = client.get(reverse("compose_from_template"), {"template": theirs.id}, follow=True)
    assert "از دستگاه شما نیست" in page.content.decode() and theirs.subject not in page.content.decode()
    assert client.get(reverse("template_fill", args=[999999])).status_code == 404
    page = client.get(reverse("compose_from_template"), {"template": "abc"}, follow=True)
    assert page.status_code == 200 and "الگو پیدا نشد" in page.content.decode()


@pytest.mark.django_db
def test_compose_offers_the_agencys_templates_and_fills_them(world):
    mine = template_of(world)
    elsewhere = make_world("دستگاه دیگر")
    theirs = template_of(elsewhere, title="الگوی دیگری")
    client = login(world.expert)
    page = client.get(reverse("compose")).content.decode()
    assert "شروع از الگو" in page and mine.title in page and theirs.title not in page
    answer = client.get(reverse("template_fill", args=[mine.id]), {"to": [world.other_pos.id], "to_outside": ""})
    data = answer.json()
    assert answer.status_code == 200 and data["subject"] == f"استعلام درباره {world.other_pos.title}"
    assert data["notices"] == [] and format_date(today()) in data["body"]
    # A position of another agency sent as a recipient names nobody.
    data = client.get(reverse("template_fill", args=[mine.id]), {"to": [elsewhere.other_pos.id]}).json()
    assert data["empty"] == ["گیرنده"] and elsewhere.other_pos.title not in data["subject"]
    # Without scripts: the compose page comes back filled, the form posting to the compose page.
    page = client.get(reverse("compose_from_template"), {"template": mine.id})
    html = page.content.decode()
    assert page.status_code == 200 and 'value="استعلام درباره {گیرنده}"' in html
    assert f'action="{reverse("compose")}"' in html and "{گیرنده}" in html and "هنوز چیزی انتخاب نشده" in html


@pytest.mark.django_db
def test_templates_are_kept_by_the_agency_admins_only(world):
    admin = agency_admin(world)
    elsewhere = make_world("دستگاه دیگر")
    with pytest.raises(NotAllowed):
        writing.save_template(user=world.expert, agency=world.agency, title="دعوت‌نامه")
    with pytest.raises(NotAllowed):
        writing.save_template(user=admin, agency=elsewhere.agency, title="دعوت‌نامه")
    saved = writing.save_template(user=admin, agency=world.agency, title="دعوت‌نامه", subject="دعوت به جلسه")
    with pytest.raises(Conflict):
        writing.save_template(user=admin, agency=world.agency, title="دعوت‌نامه")
    with pytest.raises(DomainError):
        writing.save_template(user=admin, agency=world.agency, title="  ")
    assert AuditEntry.objects.filter(action=AuditAction.TEMPLATE_SAVE, object_id=str(saved.pk)).count() == 1


@pytest.mark.django_db
def test_the_admin_shows_each_agency_admin_their_own_agencys_templates_and_notes(world):
    admin = agency_admin(world)
    elsewhere = make_world("دستگاه دیگر")
    mine, theirs = template_of(world, title="الگوی ما"), template_of(elsewhere, title="الگوی آنان")
    ReadyNote.objects.create(agency=elsewhere.agency, text="هامش آنان")
    ReadyNote.objects.create(user=admin, text="هامش شخصی مدیر")
    client = login(admin)
    listing = client.get(reverse("admin:letters_lettertemplate_changelist")).content.decode()
    assert mine.title in listing and theirs.title not in listing
    assert client.get(reverse("admin:letters_lettertemplate_change", args=[theirs.id])).status_code in (302, 403, 404)
    added = client.post(reverse("admin:letters_readynote_add"),
                        {"agency": world.agency.id, "text": "جهت اقدام لازم", "action": "action", "order": 0})
    assert added.status_code == 302
    note = ReadyNote.objects.get(text="جهت اقدام لازم")
    assert note.agency_id == world.agency.id and note.user_id is None
    assert AuditEntry.objects.filter(action=AuditAction.READY_NOTE_SAVE, object_id=str(note.pk)).exists()
    refused = client.post(reverse("admin:letters_readynote_add"),
                          {"agency": elsewhere.agency.id, "text": "نفوذی", "order": 0})
    assert refused.status_code == 200 and not ReadyNote.objects.filter(text="نفوذی").exists()
    notes = client.get(reverse("admin:letters_readynote_changelist")).content.decode()
    assert "جهت اقدام لازم" in notes and "هامش آنان" not in notes and "هامش شخصی مدیر" not in notes
    added = client.post(reverse("admin:letters_lettertemplate_add"),
                        {"agency": world.agency.id, "title": "ابلاغ", "kind": "internal", "subject": "ابلاغ {گیرنده}",
                         "body": "<p>متن</p><script>x()</script>", "active": "on"})
    assert added.status_code == 302 and LetterTemplate.objects.get(title="ابلاغ").body == "<p>متن</p>"
    # A staff member who administers no agency sees neither screen.
    plain = login(make_user(is_staff=True))
    assert plain.get(reverse("admin:letters_lettertemplate_changelist")).status_code == 403


# ---------------------------------------------------------------- ready notes


@pytest.mark.django_db
def test_ready_notes_crud_is_only_ones_own(world):
    note = writing.save_ready_note(user=world.expert, text="  لطفاً بررسی و گزارش دهید  ", action="action")
    assert note.text == "لطفاً بررسی و گزارش دهید" and note.user == world.expert and note.order == 0
    second = writing.save_ready_note(user=world.expert, text="جهت اطلاع")
    assert second.order == 1
    for act in (lambda: writing.save_ready_note(user=world.other, text="تغییر", note=note),
                lambda: writing.move_ready_note(user=world.other, note=note, up=False),
                lambda: writing.delete_ready_note(user=world.other, note=note)):
        with pytest.raises(NotAllowed):
            act()
    note.refresh_from_db()
    assert note.text == "لطفاً بررسی و گزارش دهید"
    with pytest.raises(Conflict):
        writing.save_ready_note(user=world.expert, text="جهت اطلاع")
    with pytest.raises(DomainError):
        writing.save_ready_note(user=world.expert, text="")
    with pytest.raises(DomainError):
        writing.save_ready_note(user=world.expert, text="x" * 501)
    with pytest.raises(DomainError):
        writing.save_ready_note(user=world.expert, text="نامعتبر", action="signature")
    writing.move_ready_note(user=world.expert, note=second, up=True)
    assert list(ReadyNote.objects.filter(user=world.expert).values_list("text", flat=True)) == [
        "جهت اطلاع", "لطفاً بررسی و گزارش دهید"]
    writing.delete_ready_note(user=world.expert, note=note)
    assert not ReadyNote.objects.filter(pk=note.pk).exists()
    actions = set(AuditEntry.objects.filter(actor=world.expert).values_list("action", flat=True))
    assert {AuditAction.READY_NOTE_SAVE, AuditAction.READY_NOTE_MOVE, AuditAction.READY_NOTE_DELETE} <= actions


@pytest.mark.django_db
def test_the_ready_notes_page_adds_edits_moves_and_deletes(world):
    client = login(world.expert)
    page = client.get(reverse("ready_notes"))
    assert page.status_code == 200 and "هامش‌های آماده من" in page.content.decode()
    assert client.post(reverse("ready_notes"), {"text": "جهت اقدام لازم", "action": "action"}).status_code == 302
    assert client.post(reverse("ready_notes"), {"text": "جهت بایگانی", "action": ""}).status_code == 302
    first, second = ReadyNote.objects.filter(user=world.expert).order_by("order")
    # Bad input: a Persian message, status 400, what was typed kept.
    bad = client.post(reverse("ready_notes"), {"text": "", "action": "bogus"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "متن هامش را بنویسید" in html and "نوع ارجاع نامعتبر" in html
    twice = client.post(reverse("ready_notes"), {"text": "جهت اقدام لازم"})
    assert twice.status_code == 400 and "پیش‌تر افزوده شده" in twice.content.decode()
    assert client.post(reverse("ready_note_edit", args=[first.id]), {"text": "جهت اقدام فوری", "action": "action"}
                       ).status_code == 302
    assert client.post(reverse("ready_note_move", args=[second.id]), {"direction": "up"}).status_code == 302
    assert list(ReadyNote.objects.filter(user=world.expert).values_list("text", flat=True)) == [
        "جهت بایگانی", "جهت اقدام فوری"]
    assert client.post(reverse("ready_note_delete", args=[second.id])).status_code == 302
    assert list(ReadyNote.objects.filter(user=world.expert).values_list("text", flat=True)) == ["جهت اقدام فوری"]
    # Someone else's note: not found, not changed, its text not shown.
    other = login(world.other)
    for name in ("ready_note_edit", "ready_note_move", "ready_note_delete"):
        assert other.post(reverse(name, args=[first.id]), {"text": "ربوده"}).status_code == 404
    assert "جهت اقدام فوری" not in other.get(reverse("ready_notes")).content.decode()
    assert ReadyNote.objects.get(pk=first.pk).text == "جهت اقدام فوری"
    assert client.get(reverse("ready_note_move", args=[first.id])).status_code == 405


@pytest.mark.django_db
def test_agency_notes_reach_that_agencys_staff_only(world):
    ReadyNote.objects.create(agency=world.agency, text="جهت اطلاع و بایگانی", action="information")
    elsewhere = make_world("دستگاه دیگر")
    ReadyNote.objects.create(agency=elsewhere.agency, text="هامش دستگاه دیگر")
    ReadyNote.objects.create(user=world.expert, text="هامش خود کارشناس")
    from dabir.letters import policy

    expert_sees = [n.text for n in policy.ready_notes_for(world.expert)]
    assert expert_sees == ["هامش خود کارشناس", "جهت اطلاع و بایگانی"]  # own first
    assert [n.text for n in policy.ready_notes_for(elsewhere.expert)] == ["هامش دستگاه دیگر"]
    assert list(policy.ready_notes_for(make_user())) == []  # holds no position anywhere
    with pytest.raises(NotAllowed):
        writing.save_ready_note(user=world.manager, text="تغییر", note=ReadyNote.objects.get(agency=world.agency))
    with pytest.raises(NotAllowed):
        writing.delete_ready_note(user=world.manager, note=ReadyNote.objects.get(agency=world.agency))


@pytest.mark.django_db
def test_note_fields_show_the_chips_and_position_selects_are_marked_for_the_picker(world):
    ReadyNote.objects.create(agency=world.agency, text="جهت اطلاع و بایگانی", action="information")
    ReadyNote.objects.create(user=world.clerk, text="لطفاً پیگیری شود", action="action")
    elsewhere = make_world("دستگاه دیگر")
    ReadyNote.objects.create(agency=elsewhere.agency, text="هامش بیگانه")
    client = login(world.clerk)
    letter = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست", sender_name="شهرداری اهواز",
        channel="post", seat=world.seat(world.clerk_pos))
    for url in (reverse("register_incoming"), reverse("refer", args=[letter.id])):
        html = client.get(url).content.decode()
        assert 'class="ready-notes' in html and 'data-text="لطفاً پیگیری شود"' in html
        assert 'data-text="جهت اطلاع و بایگانی" data-action="information"' in html
        assert "هامش بیگانه" not in html
        assert 'data-picker="position"' in html
    compose = client.get(reverse("compose")).content.decode()
    assert compose.count('data-picker="position"') == 2  # to and cc
    assert "tom-select.complete.min.js" in compose and "dabir/pickers.js" in compose


@pytest.mark.django_db
def test_a_chip_is_a_suggestion_the_referral_takes_the_edited_text(world):
    ReadyNote.objects.create(user=world.clerk, text="جهت اقدام لازم", action="action")
    letter = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست", sender_name="شهرداری اهواز",
        channel="post", seat=world.seat(world.clerk_pos))
    client = login(world.clerk)
    data = {"t-TOTAL_FORMS": "1", "t-INITIAL_FORMS": "0", "t-MAX_NUM_FORMS": "10",
            "t-0-position": world.expert_pos.id, "t-0-action": "action",
            "t-0-note": "جهت اقدام لازم\nتا پایان هفته", "t-0-deadline": ""}
    answer = client.post(reverse("refer", args=[letter.id]), data)
    assert answer.status_code == 302
    assert Referral.objects.get(letter=letter, to_position=world.expert_pos).note == "جهت اقدام لازم\nتا پایان هفته"


@pytest.mark.django_db
def test_fill_template_refuses_a_seat_the_user_does_not_hold(world):
    template = template_of(world)
    with pytest.raises((NotAllowed, NotFound)):
        writing.fill_template(user=world.other, seat=world.seat(world.manager_pos), template=template)


@pytest.mark.django_db
def test_template_fill_json_is_for_signed_in_staff(world):
    template = template_of(world)
    anonymous = Client().get(reverse("template_fill", args=[template.id]))
    assert anonymous.status_code == 302
    stranger = login(make_user())  # holds no position
    answer = stranger.get(reverse("template_fill", args=[template.id]))
    assert answer.status_code in (403, 404) and template.subject not in answer.content.decode()


@pytest.mark.django_db
def test_the_demo_gives_each_demo_agency_its_notes_and_templates_once(world):
    from dabir.demo import daily_writing, data
    from dabir.orgs.models import Agency

    world.agency.code = data.AGENCIES[0]["code"]
    world.agency.save()
    other = Agency.objects.create(name="دستگاه بیرون از نمایش", code="NOT-DEMO", province="خوزستان")
    make_user(username="admin", is_staff=True, is_superuser=True)
    clerk = make_user(username="dabir")
    first = daily_writing.load()
    assert first["templates"] == 3 and first["agencies"] == 1
    titles = set(LetterTemplate.objects.filter(agency=world.agency).values_list("title", flat=True))
    assert titles == {"استعلام", "دعوت‌نامه", "ابلاغ"}
    assert ReadyNote.objects.filter(agency=world.agency).count() == len(daily_writing.AGENCY_NOTES)
    assert ReadyNote.objects.filter(user=clerk).count() == len(daily_writing.PERSONAL_NOTES["dabir"])
    assert not LetterTemplate.objects.filter(agency=other).exists()
    again = daily_writing.load()  # loading twice adds nothing
    assert again["templates"] == 0 and again["ready_notes"] == 0
    # the demo's templates fill without unknown placeholders
    for template in LetterTemplate.objects.filter(agency=world.agency):
        filled = writing.fill_template(user=world.manager, seat=world.seat(world.manager_pos), template=template,
                                       to_positions=[world.expert_pos.id])
        assert filled.unknown == [] and filled.empty == []
