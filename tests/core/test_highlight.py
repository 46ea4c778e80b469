"""Search results mark the words found, whatever their spelling, and stay safe HTML."""

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.templatetags.persian import highlight
from dabir.core.text import normalize
from dabir.letters import services

from ..factories import register_incoming


def test_marks_words_across_spellings_diacritics_and_digits():
    words = [normalize("يادداشت"), normalize("همكاري"), "1405"]
    text = "امضای یادداشتِ تفاهم همکاری سال ۱۴۰۵"
    out = str(highlight(text, words))
    assert "<mark>یادداشتِ</mark>" in out
    assert "<mark>همکاری</mark>" in out
    assert "<mark>۱۴۰۵</mark>" in out
    assert "تفاهم" in out and "<mark>تفاهم" not in out


def test_escapes_the_text_and_handles_no_words():
    assert str(highlight("<b>نامه</b>", [])) == "&lt;b&gt;نامه&lt;/b&gt;"
    assert str(highlight("<script>x</script> نامه", ["نامه"])) == "&lt;script&gt;x&lt;/script&gt; <mark>نامه</mark>"


@pytest.mark.django_db
def test_search_page_marks_the_words_typed_with_arabic_letters(world):
    register_incoming(world, subject="یادداشت تفاهم همکاری آموزشی",
                      refer_to=[services.ReferralSpec(world.manager_pos.id)])
    client = Client()
    client.force_login(world.manager)
    page = client.get(reverse("search"), {"q": "يادداشت همكاري"}).content.decode()
    assert "<mark>یادداشت</mark>" in page and "<mark>همکاری</mark>" in page


def test_marks_a_word_with_its_affix_in_any_spelling_and_only_at_a_word_start():
    from dabir.letters.search import normalize_query

    words = normalize_query("میشود نامه ها بزرگترین")
    text = "این کار انجام می‌شود؛ نمی شود؛ میشود. نامه‌ها و نامه ها و بزرگ ترین بخش، میز"
    out = str(highlight(text, words))
    assert out.count("<mark>") == 5, out
    for marked in ("می‌شود", "میشود", "نامه‌ها", "نامه ها", "بزرگ ترین"):
        assert f"<mark>{marked}</mark>" in out
    assert "ن<mark>" not in out  # not inside «نمی شود»: search does not find it there either
    assert "<mark>میز" not in out
