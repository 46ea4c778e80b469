"""The compose and draft-edit pages take an ordered signing circuit: earlier signers, then the final one."""

import pytest
from django.test import Client
from django.urls import reverse

from dabir.core.errors import DomainError
from dabir.letters import services
from dabir.letters.models import Letter
from dabir.orgs.models import Agency, Unit
from dabir.signing.models import SigningStep

from ..factories import make_position, make_user


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def compose_data(world, **overrides):
    data = {
        "kind": "internal", "subject": "درخواست خرید تجهیزات", "body": "<p>متن</p>",
        "to": [world.other_pos.id], "signer_position": world.manager_pos.id,
        "urgency": "normal", "classification": "unclassified",
    }
    data.update(overrides)
    return data


@pytest.fixture
def signers(world):
    """A head of unit and a deputy who sign before the manager (the final signer)."""
    head = make_user(first_name="حمید", last_name="رئیس")
    deputy = make_user(first_name="حسن", last_name="معاون")
    head_pos = make_position(world.unit, "رئیس اداره", holder=head, can_sign=True)
    deputy_pos = make_position(world.unit, "معاون", holder=deputy, can_sign=True)
    return (head, head_pos), (deputy, deputy_pos)


def circuit_of(letter):
    return list(SigningStep.objects.filter(letter=letter).order_by("order").values_list("position_id", flat=True))


@pytest.mark.django_db
def test_two_earlier_signers_sign_in_order_then_the_final_signer(world, signers):
    (head, head_pos), (deputy, deputy_pos) = signers
    expert = login(world.expert)
    page = expert.get(reverse("compose")).content.decode()
    assert "امضاکنندگان پیش از امضاکننده نهایی" in page and 'name="earlier_1"' in page

    # given a draft composed with head of unit, then deputy, before the manager
    response = expert.post(reverse("compose"), compose_data(world, earlier_1=head_pos.id, earlier_2=deputy_pos.id))
    assert response.status_code == 302
    letter = Letter.objects.get(subject="درخواست خرید تجهیزات")
    assert circuit_of(letter) == [head_pos.id, deputy_pos.id, world.manager_pos.id]
    detail = expert.get(reverse("letter_detail", args=[letter.id])).content.decode()
    card = detail.split('aria-label="امضاها"')[1].split("</section>")[0]
    assert "زنجیره امضا" in card and card.count("در انتظار امضا") == 3
    assert card.index("۱. رئیس اداره") < card.index("۲. معاون") < card.index("۳. مدیرکل")

    # the edit page shows the circuit again, in order
    edit = expert.get(reverse("draft_edit", args=[letter.id])).content.decode()
    assert f'<option value="{head_pos.id}" selected>' in edit.split('name="earlier_1"')[1].split("</select>")[0]
    assert f'<option value="{deputy_pos.id}" selected>' in edit.split('name="earlier_2"')[1].split("</select>")[0]

    # when the author submits, the head of unit has it «جهت امضا»; the deputy and the manager not yet
    assert expert.post(reverse("letter_submit", args=[letter.id]), {"submit-note": ""}).status_code == 302
    head_client, deputy_client, manager = login(head), login(deputy), login(world.manager)
    assert "جهت امضا" in head_client.get(reverse("inbox")).content.decode()
    assert letter.subject not in deputy_client.get(reverse("inbox")).content.decode()
    assert letter.subject not in manager.get(reverse("inbox")).content.decode()

    # the head approves: the deputy sees it for signature
    assert head_client.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}).status_code == 302
    inbox = deputy_client.get(reverse("inbox")).content.decode()
    assert letter.subject in inbox and "جهت امضا" in inbox
    # the manager still cannot approve out of turn
    assert manager.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}).status_code == 400

    # the deputy approves, then the manager, and the letter is approved
    assert deputy_client.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}).status_code == 302
    assert "جهت امضا" in manager.get(reverse("inbox")).content.decode()
    assert manager.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}).status_code == 302
    letter.refresh_from_db()
    assert letter.status == "approved"
    assert list(SigningStep.objects.filter(letter=letter).values_list("state", flat=True)) == ["signed"] * 3


@pytest.mark.django_db
def test_a_draft_without_earlier_signers_has_no_circuit_until_submitted(world):
    response = login(world.expert).post(reverse("compose"), compose_data(world))
    assert response.status_code == 302
    assert circuit_of(Letter.objects.get(subject="درخواست خرید تجهیزات")) == []


@pytest.fixture
def outsider(world):
    agency = Agency.objects.create(name="دستگاه دیگر", code="OTHER1", province="تهران")
    unit = Unit.objects.create(agency=agency, name="دفتر")
    return make_position(unit, "مدیر دستگاه دیگر", holder=make_user(), can_sign=True)


@pytest.mark.django_db
@pytest.mark.parametrize("case", ["cannot_sign", "duplicate", "final_repeated", "other_agency", "no_final", "garbage"])
def test_bad_circuit_is_a_persian_form_error_and_keeps_typed_values(world, signers, outsider, case):
    (_, head_pos), (_, deputy_pos) = signers
    extra, field, message = {
        "cannot_sign": ({"earlier_1": world.other_pos.id}, "earlier_1", "اجازه امضا ندارد"),
        "duplicate": ({"earlier_1": head_pos.id, "earlier_2": head_pos.id}, "earlier_2", "دو بار"),
        "final_repeated": ({"earlier_1": world.manager_pos.id}, "earlier_1", "امضاکننده نهایی را در فهرست"),
        "other_agency": ({"earlier_1": outsider.id}, "earlier_1", "از این دستگاه نیست"),
        "no_final": ({"earlier_1": head_pos.id, "signer_position": ""}, "signer_position", "امضاکننده نهایی را هم"),
        "garbage": ({"earlier_1": "abc"}, "earlier_1", "اجازه امضا ندارد"),
    }[case]
    before = Letter.objects.count()
    response = login(world.expert).post(
        reverse("compose"), compose_data(world, keywords="کلیدواژه نگه‌داشته", subject="موضوع نگه‌داشته", **extra)
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    form = response.context["form"]
    assert any(message in e for e in form.errors[field])
    assert "موضوع نگه‌داشته" in page and "کلیدواژه نگه‌داشته" in page
    if case == "duplicate":  # the head stays selected in both slots
        assert page.count(f'<option value="{head_pos.id}" selected>') == 2
    assert Letter.objects.count() == before  # nothing saved


@pytest.mark.django_db
def test_a_refused_circuit_rolls_back_the_draft(world, signers):
    """A circuit the form lets through but the signing rules refuse (a position made unable to sign
    meanwhile) leaves no draft behind: both writes run in one transaction."""
    (_, head_pos), _ = signers
    head_pos.can_sign = False
    head_pos.save(update_fields=["can_sign"])
    with pytest.raises(DomainError) as exc:
        services.compose_with_circuit(
            user=world.expert, seat=world.seat(world.expert_pos), kind="internal", earlier=[head_pos.id],
            subject="نامه برگشتی", to=[world.other_pos.id], signer_position_id=world.manager_pos.id,
        )
    assert "اجازه امضا ندارد" in exc.value.message and exc.value.field == "positions"
    assert not Letter.objects.filter(subject="نامه برگشتی").exists()


@pytest.mark.django_db
def test_edit_changes_and_clears_the_circuit(world, signers):
    (_, head_pos), (_, deputy_pos) = signers
    client = login(world.expert)
    client.post(reverse("compose"), compose_data(world, earlier_1=head_pos.id))
    letter = Letter.objects.get(subject="درخواست خرید تجهیزات")
    assert circuit_of(letter) == [head_pos.id, world.manager_pos.id]
    edit = reverse("draft_edit", args=[letter.id])

    # a bad edit keeps the old circuit and answers 400
    response = client.post(edit, compose_data(world, earlier_1=deputy_pos.id, earlier_2=deputy_pos.id))
    assert response.status_code == 400 and "دو بار" in response.content.decode()
    assert circuit_of(letter) == [head_pos.id, world.manager_pos.id]

    # the deputy replaces the head
    assert client.post(edit, compose_data(world, earlier_1=deputy_pos.id)).status_code == 302
    assert circuit_of(letter) == [deputy_pos.id, world.manager_pos.id]
    # without earlier signers the manager signs alone
    assert client.post(edit, compose_data(world)).status_code == 302
    assert circuit_of(letter) == [world.manager_pos.id]
    # a draft with a circuit needs its final signer
    response = client.post(edit, compose_data(world, signer_position=""))
    assert response.status_code == 400 and "امضاکننده نهایی را انتخاب کنید" in response.content.decode()
    assert circuit_of(letter) == [world.manager_pos.id]


def test_approving_in_a_circuit_says_where_the_letter_went(world):
    from dabir.letters import services as letters
    from dabir.signing import services as signing

    from ..factories import make_draft, make_position, make_user

    deputy = make_user(first_name="حسن", last_name="معاونی")
    deputy_pos = make_position(world.unit, "معاون توسعه مدیریت", holder=deputy, can_sign=True)
    letter = make_draft(world)
    signing.set_circuit(letter, [deputy_pos, world.manager_pos])
    letters.submit_for_signature(user=world.expert, seat=world.seat(world.expert_pos), letter=letter)
    client = Client()
    client.force_login(deputy)
    answer = client.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}, follow=True)
    assert "برای امضاکننده بعدی فرستاده شد" in answer.content.decode()
    client.force_login(world.manager)
    answer = client.post(reverse("letter_approve", args=[letter.id]), {"approve-note": ""}, follow=True)
    assert "به دبیرخانه رفت" in answer.content.decode()
