"""The Django admin speaks Persian: Jalali dates with Persian digits, Persian headings and labels, Persian
names for audit actions and SMS kinds, Jalali date inputs with Persian errors."""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.db import models
from django.test import RequestFactory
from lxml import html

from dabir.core import labels
from dabir.core.jalali import TEHRAN
from dabir.core.jalali_forms import JalaliDateField, JalaliDateTimeField
from dabir.core.models import AuditEntry, Holiday
from dabir.notify.models import SmsMessage
from dabir.notify.services import queue_sms
from dabir.orgs.models import Assignment
from dabir.orgs.services import make_agency_admin

from ..factories import make_registered, make_user, make_world

SRC = Path(__file__).resolve().parents[2] / "src" / "dabir"
# Latin words a Persian heading may carry: names of formats and standards.
ALLOWED_LATIN = {"API", "PDF", "SHA", "PEM", "LDAP", "base64", "PNG", "ID"}
GREGORIAN_MONTHS = ["ژانویه", "فوریه", "مارس", "آوریل", "مه", "ژوئن", "ژوئیه", "اوت", "سپتامبر", "اکتبر", "نوامبر",
                    "دسامبر"]
ENGLISH_NAMED_IN_ISSUE = ["Core", "CORE", "Task Result", "Password-based authentication", "Model name",
                          "Enqueued at", "Object type", "As acting", "letter.register"]


def headings(body: str) -> list[str]:
    """The texts that name things on an admin page: titles, column headers, labels, fieldsets, filters."""
    doc = html.fromstring(body)
    # (The h2 right under #content is the record's own name, such as a username: data, not a heading.)
    paths = ["//title", "//h1", "//h2[not(parent::div[@id='content'])]", "//h3", "//thead//th", "//label", "//legend", "//caption",
             "//*[contains(@class, 'breadcrumbs')]", "//summary", "//*[@id='site-name']", "//*[@placeholder]/@placeholder"]
    found = []
    for path in paths:
        for node in doc.xpath(path):
            text = node if isinstance(node, str) else node.text_content()
            if text.strip():
                found.append(" ".join(text.split()))
    return found


def visible_text(body: str) -> str:
    doc = html.fromstring(body)
    for node in doc.xpath("//script|//style|//svg"):
        node.drop_tree()
    return " ".join(doc.text_content().split())


def assert_persian_page(body: str, where: str) -> None:
    text = visible_text(body)
    for name in ENGLISH_NAMED_IN_ISSUE:
        assert not re.search(rf"\b{re.escape(name)}\b", text), f"{where}: «{name}» is still in English"
    assert not re.search(r"\b20\d\d-\d\d-\d\d", body), f"{where}: an ISO Gregorian date"
    assert "۲۰۲۶" not in body and "۲۰۲۷" not in body, f"{where}: a Gregorian year in Persian digits"
    for text in headings(body):
        # (a hyphen ends no word: «SHA-256» is the allowed SHA)
        latin = [w.rstrip("-") for w in re.findall(r"[A-Za-z][A-Za-z-]{2,}", text) if w.rstrip("-") not in ALLOWED_LATIN]
        # A record's own name in the title or breadcrumbs may hold a Latin code (a username, a serial).
        if latin and not text.startswith(("شروع", "تغییر", "مشاهده", "تاریخچه")) and "|" not in text:
            raise AssertionError(f"{where}: English heading «{text}»")
    for month in GREGORIAN_MONTHS:
        assert not re.search(rf"\d\s+{month}\s+\d", body), f"{where}: a Gregorian month name ({month})"


def admin_urls(client, models_to_open) -> list[str]:
    urls = ["/admin/"]
    for model in models_to_open:
        opts = model._meta
        urls += [f"/admin/{opts.app_label}/{opts.model_name}/", f"/admin/{opts.app_label}/{opts.model_name}/add/"]
        obj = model._default_manager.order_by("-pk").first()
        if obj is not None:
            urls += [f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/change/",
                     f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/history/"]
    return urls


@pytest.fixture
def busy_world(db):
    """An agency with a registered letter, an acting period, a holiday, an SMS and a queued task."""
    from django.db import transaction

    world = make_world()
    make_registered(world)
    Assignment.objects.create(user=world.expert, position=world.manager_pos, role=Assignment.Role.ACTING,
                              starts_at=dt.datetime(2026, 4, 4, 8, 30, tzinfo=TEHRAN),
                              ends_at=dt.datetime(2026, 4, 9, tzinfo=TEHRAN))
    Holiday.objects.create(date=dt.date(2026, 3, 21), title="نوروز")
    with transaction.atomic():
        queue_sms(mobile="09120000000", text="درخواست شما ثبت شد", kind="desk.registered", related="desk.request:1")
    return world


def test_superuser_sees_every_admin_page_jalali_and_persian(busy_world, client):
    root = make_user(is_staff=True, is_superuser=True)
    client.force_login(root)
    # a history entry for the history pages
    client.post(f"/admin/orgs/unit/{busy_world.unit.id}/change/",
                {"agency": busy_world.agency.id, "name": "دفتر مدیرکل تازه"})

    opened = 0
    for url in admin_urls(client, admin.site._registry):
        answer = client.get(url)
        if "/change/" in url or "/history/" in url:
            assert answer.status_code in (200, 302), url  # letters outside the chain stay hidden
        elif url.endswith("/add/"):
            assert answer.status_code in (200, 403), url  # read-only screens have no add page
        else:
            assert answer.status_code == 200, url
        if answer.status_code == 200:
            assert_persian_page(answer.content.decode(), url)
            opened += 1
    assert opened > 40

    index = client.get("/admin/").content.decode()
    assert "هسته" in index and "کارهای پس‌زمینه" in index

    audit = visible_text(client.get("/admin/core/auditentry/").content.decode())
    assert "ثبت و شماره‌گذاری نامه" in audit and "۱۴۰۵/" in audit and "letter.register" not in audit
    assert re.search(r"[۰-۹]+ گزارش ممیزی", audit)  # the row count too

    acting = client.get("/admin/orgs/assignment/?role__exact=acting").content.decode()
    assert "۱۴۰۵/۰۱/۱۵ ۰۸:۳۰" in acting and "۱۴۰۵/۰۱/۲۰ ۰۰:۰۰" in acting

    history = client.get(f"/admin/orgs/unit/{busy_world.unit.id}/history/").content.decode()
    assert re.search(r"۱۴۰[۵-۹]/[۰-۹]{2}/[۰-۹]{2} [۰-۹]{2}:[۰-۹]{2}", history)

    sms = visible_text(client.get("/admin/notify/smsmessage/").content.decode())
    assert "ثبت درخواست" in sms and "desk.registered" not in sms


def test_the_admin_scripts_catalogue_is_persian(db, client):
    client.force_login(make_user(is_staff=True, is_superuser=True))
    catalogue = client.get("/admin/jsi18n/").content.decode()
    assert "\\u0627\\u0646\\u062a\\u062e\\u0627\\u0628 \\u0647\\u0645\\u0647 %s" in catalogue or "انتخاب همه %s" in catalogue


def test_user_change_page_password_section_is_persian(db, client):
    root = make_user(is_staff=True, is_superuser=True)
    someone = make_user()
    client.force_login(root)
    page = client.get(f"/admin/accounts/user/{someone.id}/change/").content.decode()
    assert_persian_page(page, "user change")
    assert "Raw passwords are not stored" not in page and "Reset password" not in page
    assert "گذرواژه" in page


def test_agency_admin_sees_org_pages_jalali_and_persian(busy_world, client):
    boss = make_user(is_staff=True)
    make_agency_admin(actor=None, user=boss, agency=busy_world.agency)
    client.force_login(boss)
    index = client.get("/admin/")
    assert index.status_code == 200
    assert_persian_page(index.content.decode(), "/admin/ (agency admin)")
    from dabir.orgs import models as orgs

    for url in admin_urls(client, [orgs.Agency, orgs.Unit, orgs.Position, orgs.Assignment, orgs.Secretariat,
                                   orgs.NumberSeries]):
        answer = client.get(url)
        assert answer.status_code in ((200, 403) if url.endswith("/add/") else (200,)), url
        if answer.status_code == 200:
            assert_persian_page(answer.content.decode(), url)
    page = client.get("/admin/orgs/assignment/?role__exact=acting").content.decode()
    assert "۱۴۰۵/۰۱/۱۵ ۰۸:۳۰" in page


def _acting_form(world, starts_at, ends_at):
    return {"user": world.expert.id, "position": world.manager_pos.id, "role": "acting",
            "starts_at": starts_at, "ends_at": ends_at, "note": "مرخصی"}


@pytest.mark.parametrize("starts_at, ends_at", [
    ("۱۴۰۵/۰۱/۱۵ ۰۸:۳۰", "۱۴۰۵/۰۱/۲۰"),
    ("1405/1/15 8:30", "1405-01-20"),
    ("١٤٠٥/٠١/١٥ ٠٨:٣٠", "١٤٠٥/٠١/٢٠"),  # Arabic digits
])
def test_acting_period_typed_in_jalali_saves_the_right_gregorian_moment(world, client, starts_at, ends_at):
    boss = make_user(is_staff=True)
    make_agency_admin(actor=None, user=boss, agency=world.agency)
    client.force_login(boss)

    form = client.get("/admin/orgs/assignment/add/").content.decode()
    year = re.search(r'placeholder="مثلاً ([۰-۹]{4})/', form)
    assert year, "the date input shows an example in this Jalali year"

    answer = client.post("/admin/orgs/assignment/add/", _acting_form(world, starts_at, ends_at))
    assert answer.status_code == 302, answer.content.decode()[:3000]
    row = Assignment.objects.get(position=world.manager_pos, role="acting")
    assert row.starts_at == dt.datetime(2026, 4, 4, 8, 30, tzinfo=TEHRAN)
    assert row.ends_at == dt.datetime(2026, 4, 9, 0, 0, tzinfo=TEHRAN)
    shown = client.get(f"/admin/orgs/assignment/{row.id}/change/").content.decode()
    assert 'value="۱۴۰۵/۰۱/۱۵ ۰۸:۳۰"' in shown


@pytest.mark.parametrize("typed, message", [
    ("۱۴۰۵/۱۳/۰۱", "این تاریخ در تقویم وجود ندارد."),
    ("فردا", "تاریخ نامعتبر است"),
    ("۱۴۰۵/۰۱/۱۵ ۲۵:۰۰", "ساعت نامعتبر است"),
])
def test_bad_dates_get_a_persian_error_and_nothing_is_saved(world, client, typed, message):
    boss = make_user(is_staff=True)
    make_agency_admin(actor=None, user=boss, agency=world.agency)
    client.force_login(boss)
    before = Assignment.objects.count()
    answer = client.post("/admin/orgs/assignment/add/", _acting_form(world, typed, "۱۴۰۵/۰۲/۰۱"))
    assert answer.status_code == 200
    body = answer.content.decode()
    assert message in body
    assert f'value="{typed}"' in body  # what was typed stays in the box
    assert Assignment.objects.count() == before


def test_holiday_is_typed_and_listed_in_jalali(db, client):
    root = make_user(is_staff=True, is_superuser=True)
    client.force_login(root)
    answer = client.post("/admin/core/holiday/add/", {"date": "۱۴۰۵/۰۱/۱۳", "title": "روز طبیعت"})
    assert answer.status_code == 302, answer.content.decode()[:2000]
    assert Holiday.objects.get(title="روز طبیعت").date == dt.date(2026, 4, 2)
    listing = client.get("/admin/core/holiday/").content.decode()
    assert "۱۴۰۵/۰۱/۱۳" in listing and "پنجشنبه" in listing
    assert "2026" not in listing


def test_every_date_input_of_every_admin_form_is_jalali(db):
    root = make_user(is_staff=True, is_superuser=True)
    request = RequestFactory().get("/admin/")
    request.user = root
    checked = 0
    for model_admin in admin.site._registry.values():
        admins = [model_admin, *model_admin.get_inline_instances(request)]
        for each in admins:
            form = each.get_formset(request).form if isinstance(each, admin.options.InlineModelAdmin) \
                else each.get_form(request)
            for name, field in form.base_fields.items():
                try:
                    db_field = each.model._meta.get_field(name)
                except Exception:
                    continue
                if isinstance(db_field, models.DateTimeField):
                    assert isinstance(field, JalaliDateTimeField), f"{each.model.__name__}.{name}"
                    checked += 1
                elif isinstance(db_field, models.DateField):
                    assert isinstance(field, JalaliDateField), f"{each.model.__name__}.{name}"
                    checked += 1
    assert checked >= 4  # holidays, acting periods (page and inline), the user's dates


def test_readonly_dates_use_the_jalali_display(db):
    from dabir.core.admin import display_for_field

    moment = dt.datetime(2026, 12, 4, 18, 30, tzinfo=dt.UTC)
    assert helpers.display_for_field is display_for_field
    assert display_for_field(moment, AuditEntry._meta.get_field("at"), "-") == "۱۴۰۵/۰۹/۱۳ ۲۲:۰۰"
    assert display_for_field(dt.date(2026, 3, 21), Holiday._meta.get_field("date"), "-") == "۱۴۰۵/۰۱/۰۱"


def _codes_in_source(line_has: str) -> set[str]:
    """Dotted codes in quotes on the source lines that mention `line_has` (an audit call, a kind=)."""
    found = set()
    for path in SRC.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(line_has, line):
                found |= set(re.findall(r'"([a-z_]+\.[a-z_]+(?:\.[a-z_]+)?)"', line))
    return found


def test_every_audit_action_and_sms_kind_written_in_the_code_has_a_persian_name():
    # Codes still written as quoted literals at a call site (services may pass enumeration members instead,
    # which exist only where declared with their names).
    actions = _codes_in_source(r"\baction\b|_record\(")
    named = labels.known(labels.AUDIT_ACTION)
    assert {"letter.register", "signing.sign", "desk.request.submit", "position.acting"} <= set(named)
    assert sorted(actions - set(named)) == []
    for code, name in named.items():
        assert re.search("[\u0600-\u06ff]", name), code

    kinds = _codes_in_source(r"\bkind=")
    sms_named = labels.known(labels.SMS_KIND)
    assert {"desk.registered", "otp"} <= set(sms_named)
    assert sorted(kinds - set(sms_named) - set(named)) == []
    assert SmsMessage._meta.get_field("kind").verbose_name == "نوع"


def test_service_requests_in_the_admin_show_stage_titles_and_grouped_codes(db, client):
    from dabir.desk import codes
    from tests.desk.pages_fixtures import make_desk, submit

    desk = make_desk()
    request = submit(desk)
    # The expert the request was referred to: the admin shows requests by the desk's policy.
    expert = desk.world.expert
    expert.is_staff = expert.is_superuser = True
    expert.save()
    client.force_login(expert)
    listing = client.get("/admin/desk/servicerequest/").content.decode()
    assert codes.display(request.tracking_code) in listing
    assert f">{request.stage_code}<" not in listing  # the stage by its title, not its code
    page = client.get(f"/admin/desk/servicerequest/{request.id}/change/").content.decode()
    assert_persian_page(page, "service request")
    assert "مرحله جاری" in page


def test_audit_entry_details_show_stored_moments_in_jalali(world, client):
    from dabir.orgs.services import appoint_acting

    appoint_acting(position=world.manager_pos, user=world.expert, actor=world.manager,
                   starts_at=dt.datetime(2026, 4, 4, 8, 30, tzinfo=TEHRAN), ends_at=dt.datetime(2026, 4, 9, tzinfo=TEHRAN))
    entry = AuditEntry.objects.filter(action="position.acting").latest("id")
    assert "2026-04-04" in str(entry.data)  # the log keeps ISO moments
    client.force_login(make_user(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/core/auditentry/{entry.id}/change/").content.decode()
    assert_persian_page(page, "audit entry")
    assert "۱۴۰۵/۰۱/۱۵ ۰۸:۳۰" in page and "۱۴۰۵/۰۱/۲۰ ۰۰:۰۰" in page and "تعیین جانشین" in page


def test_letter_numbers_in_the_admin_are_persian_digits_in_a_left_to_right_run(world, client):
    from dabir.core.text import ltr_number

    letter = make_registered(world)
    world.clerk.is_staff = world.clerk.is_superuser = True
    world.clerk.save()
    client.force_login(world.clerk)  # the secretariat's clerk sees its letters
    listing = client.get("/admin/letters/letter/").content.decode()
    assert ltr_number(letter.number) in listing
    assert f">{letter.number}<" not in listing
    assert_persian_page(listing, "letters")


def test_letter_versions_in_the_admin_show_the_verification_code_grouped(world, client):
    from django.db import transaction

    from dabir.signing import codes, services

    letter = make_registered(world)
    with transaction.atomic():
        version = services.new_version(letter, user=world.clerk)
    world.clerk.is_staff = world.clerk.is_superuser = True
    world.clerk.save()
    client.force_login(world.clerk)
    listing = client.get("/admin/signing/letterversion/").content.decode()
    assert f'<bdi dir="ltr" class="code">{codes.display(version.code)}</bdi>' in listing
    assert_persian_page(listing, "letter versions")
