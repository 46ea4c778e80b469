"""The bell in the navbar, the notices page, opening a notice, and the preferences page, through HTTP."""

import re

import pytest
from django.db import transaction
from django.urls import reverse

from dabir.core.models import AuditEntry
from dabir.letters.names import NoticeKind
from dabir.notify import notices
from dabir.notify.models import MailMessage, NoticePreference, NoticeProfile, Notification
from tests.factories import make_user

pytestmark = pytest.mark.django_db

NOTICES = reverse("notify:notices")
PREFERENCES = reverse("notify:preferences")


def _notify(user, title, url="/letters/42/", kind=NoticeKind.REFERRAL_NEW):
    with transaction.atomic():
        return notices.notify([user], kind=kind, title=title, url=url)[0]


@pytest.fixture
def people(client):
    me, other = make_user(mobile="09161000001"), make_user()
    client.force_login(me)
    return me, other


def _bell(html: str) -> str:
    return html[html.index('id="notify-bell"'):html.index("</nav>")]


def test_the_bell_shows_the_unread_count_in_persian_and_its_list_the_latest_titles(client, people):
    me, other = people
    for i in range(7):
        _notify(me, f"ارجاع شماره {i}")
    _notify(other, "نامه دیگری که نباید دیده شود")
    first = Notification.objects.filter(user=me).order_by("id").first()
    with transaction.atomic():
        notices.mark_read(user=me, notice=first)
    bell = _bell(client.get(NOTICES).content.decode())
    assert 'aria-label="اعلان‌ها، ۶ خوانده‌نشده"' in bell
    assert re.search(r'notify-count"[^>]*>۶<', bell)
    assert "ارجاع شماره" not in bell  # the titles come when the list opens, not with every page
    assert f'hx-get="{reverse("notify:latest")}"' in bell and reverse("notify:preferences") in bell
    latest = client.get(reverse("notify:latest")).content.decode()
    assert "ارجاع شماره 6" in latest and "ارجاع شماره 2" in latest  # the latest five, newest first
    assert latest.index("ارجاع شماره 6") < latest.index("ارجاع شماره 2")
    assert "ارجاع شماره 1" not in latest and "نباید دیده شود" not in latest
    assert latest.count("notify-unread") == 5


def test_the_bell_costs_one_query_a_page(client, people, django_assert_num_queries):
    from django.template import Context, Template
    from django.test import RequestFactory

    me, _ = people
    request = RequestFactory().get("/")
    request.user = me
    with django_assert_num_queries(1):
        Template("{% load notify_bell %}{% notify_bell %}").render(Context({"request": request}))


def test_no_unread_no_badge(client, people):
    bell = _bell(client.get(NOTICES).content.decode())
    assert 'aria-label="اعلان‌ها، ۰ خوانده‌نشده"' in bell and "notify-count" not in bell
    assert "اعلانی ندارید" in client.get(reverse("notify:latest")).content.decode()


def test_the_page_lists_only_my_notices_and_filters_unread(client, people):
    me, other = people
    old = _notify(me, "قدیمی خوانده‌شده")
    _notify(me, "تازه خوانده‌نشده")
    _notify(other, "مال دیگری")
    with transaction.atomic():
        notices.mark_read(user=me, notice=old)
    page = client.get(NOTICES).content.decode()
    main = page[page.index("<main"):]
    assert "قدیمی خوانده‌شده" in main and "تازه خوانده‌نشده" in main and "مال دیگری" not in main
    assert main.index("تازه خوانده‌نشده") < main.index("قدیمی خوانده‌شده")
    unread = client.get(NOTICES, {"show": "unread"}).content.decode()
    assert "قدیمی خوانده‌شده" not in unread[unread.index("<main"):]
    # unread first, even when older
    newer_read = _notify(me, "جدیدتر ولی خوانده‌شده")
    with transaction.atomic():
        notices.mark_read(user=me, notice=newer_read)
    ordered = client.get(NOTICES, {"order": "unread"}).content.decode()
    ordered = ordered[ordered.index("<main"):]
    assert ordered.index("تازه خوانده‌نشده") < ordered.index("جدیدتر ولی خوانده‌شده")


def test_the_page_is_paginated(client, people):
    me, _ = people
    Notification.objects.bulk_create([Notification(user=me, kind=NoticeKind.REFERRAL_NEW, title=f"اعلان {i}")
                                      for i in range(45)])
    page = client.get(NOTICES).content.decode()
    assert "۱ از ۳" in page
    assert "۳ از ۳" in client.get(NOTICES, {"page": "3"}).content.decode()
    assert client.get(NOTICES, {"page": "بد"}).status_code == 200


def test_opening_a_notice_marks_it_read_and_follows_its_path(client, people):
    me, _ = people
    notice = _notify(me, "ارجاع تازه", url="/letters/42/?tab=refer")
    response = client.get(reverse("notify:open", args=[notice.pk]))
    assert response.status_code == 302 and response.url == "/letters/42/?tab=refer"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert AuditEntry.objects.filter(action="notify.notice_read", actor=me).count() == 1


def test_someone_elses_notice_is_404_and_stays_unread(client, people):
    _, other = people
    theirs = _notify(other, "مال دیگری")
    response = client.get(reverse("notify:open", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert client.get(reverse("notify:open", args=[999999])).status_code == 404


@pytest.mark.parametrize("url", ["https://evil.example/", "//evil.example/a", "/\\evil.example", "javascript:alert(1)"])
def test_an_open_redirect_is_refused(client, people, url):
    me, _ = people
    notice = Notification.objects.create(user=me, kind=NoticeKind.REFERRAL_NEW, title="پیوند بیرونی", url=url)
    response = client.get(reverse("notify:open", args=[notice.pk]), follow=True)
    assert response.redirect_chain[0][0] == NOTICES
    assert "بیرون از دبیر" in response.content.decode()


def test_mark_all_read_is_a_post(client, people):
    me, other = people
    _notify(me, "یک")
    _notify(me, "دو")
    _notify(other, "سه")
    assert client.get(reverse("notify:read_all")).status_code == 405
    response = client.post(reverse("notify:read_all"), follow=True)
    assert "۲ اعلان خوانده‌شده علامت خورد" in response.content.decode()
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).count() == 1


def test_anonymous_is_sent_to_sign_in(client):
    for url in (NOTICES, PREFERENCES, reverse("notify:open", args=[1]), reverse("notify:latest")):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response.url


def test_preferences_show_every_kind_the_contacts_and_save(client, people):
    me, _ = people
    page = client.get(PREFERENCES).content.decode()
    for name in ("ارجاع تازه", "نامه در انتظار امضا", "ناکامی ارسال نامه در شبکه دولت"):
        assert name in page
    assert "۰۹۱۶۱۰۰۰۰۰۱" in page
    assert 'id="email-missing"' in page and 'id="mobile-missing"' not in page
    response = client.post(PREFERENCES, {
        f"sms:{NoticeKind.AWAITING_SIGNATURE}": "on", f"email:{NoticeKind.REFERRAL_NEW}": "on",
        "digest": "on", "digest_hour": "۹",
    }, follow=True)
    assert "شیوه دریافت اعلان‌ها ذخیره شد" in response.content.decode()
    saved = {p.kind: (p.by_sms, p.by_email) for p in NoticePreference.objects.filter(user=me)}
    assert saved == {NoticeKind.AWAITING_SIGNATURE: (True, False), NoticeKind.REFERRAL_NEW: (False, True)}
    profile = NoticeProfile.objects.get(user=me)
    assert profile.digest and profile.digest_hour == 9
    assert AuditEntry.objects.filter(action="notify.preferences_save", actor=me).exists()
    # shown back as saved
    page = client.get(PREFERENCES).content.decode()
    assert re.search(rf'name="sms:{NoticeKind.AWAITING_SIGNATURE}"[^>]*checked', page)
    assert not re.search(rf'name="sms:{NoticeKind.REFERRAL_NEW}"[^>]*checked', page)


def test_a_bad_hour_is_refused_in_persian_and_nothing_saved(client, people):
    me, _ = people
    response = client.post(PREFERENCES, {f"sms:{NoticeKind.REFERRAL_NEW}": "on", "digest": "on", "digest_hour": "25"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "ساعتی از ۰ تا ۲۳ را برگزینید" in html and 'id="form-errors"' in html
    assert re.search(rf'name="sms:{NoticeKind.REFERRAL_NEW}"[^>]*checked', html)  # the choice is kept on the form
    assert not NoticePreference.objects.filter(user=me).exists() and not NoticeProfile.objects.filter(user=me).exists()


def test_a_wrong_mobile_is_warned_about(client):
    user = make_user(mobile="0216", email="a@ostan.ir")
    client.force_login(user)
    page = client.get(PREFERENCES).content.decode()
    assert 'id="mobile-missing"' in page and "درست نیست" in page and 'id="email-missing"' not in page


def test_the_admin_shows_the_four_models_read_only(admin_client, people):
    me, _ = people
    _notify(me, "ارجاع برای مدیر سامانه")
    with transaction.atomic():
        notices.notify([make_user(email="x@ostan.ir")], kind=NoticeKind.REFERRAL_NEW, title="ت")
        MailMessage.objects.create(to="x@ostan.ir", subject="موضوع", text="متن", kind="notify.notice")
    for model in ("notification", "noticepreference", "noticeprofile", "mailmessage"):
        assert admin_client.get(reverse(f"admin:notify_{model}_changelist")).status_code == 200
        assert admin_client.get(reverse(f"admin:notify_{model}_add")).status_code == 403
    body = admin_client.get(reverse("admin:notify_notification_changelist")).content.decode()
    assert "ارجاع برای مدیر سامانه" in body and "ارجاع تازه" in body  # the kind by its Persian name
    mail_id = MailMessage.objects.get().pk
    change = admin_client.get(reverse("admin:notify_mailmessage_change", args=[mail_id]))
    assert change.status_code == 200 and "رونوشت" in change.content.decode()
