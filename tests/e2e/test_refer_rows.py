"""The refer page adds target rows on demand, beyond the three it starts with."""

import pytest

from dabir.letters import services
from dabir.letters.models import Referral
from tests.factories import make_position, make_user, make_world, register_incoming

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_fourth_target_added_in_the_browser_is_referred(desk):
    # given a letter in the manager's inbox and four other positions to refer it to
    world = make_world()
    letter = register_incoming(world, subject="دعوت به نشست شورای اداری",
                               refer_to=[services.ReferralSpec(world.manager_pos.id)])
    extra = make_position(world.unit, "کارشناس حقوقی", holder=make_user(first_name="سارا", last_name="حقوقی"))
    targets = [world.expert_pos, world.other_pos, world.clerk_pos, extra]

    page = desk.sign_in(world.manager)
    page.goto(desk.url(f"/letters/{letter.id}/refer/"))
    assert page.locator("fieldset.refer-row").count() == 3

    # when they add a row and fill all four
    page.get_by_role("button", name="افزودن گیرنده").click()
    assert page.locator("fieldset.refer-row").count() == 4
    assert page.locator("fieldset.refer-row legend").nth(3).inner_text() == "گیرنده ۴"
    for i, position in enumerate(targets):
        page.locator(f"select[name='t-{i}-position']").select_option(str(position.id))
    desk.shot(page, "four-rows")
    page.get_by_role("button", name="ارجاع").click()
    page.wait_for_url(desk.url(f"/letters/{letter.id}/"))

    # then the letter went to all four
    sent = set(Referral.objects.filter(letter=letter, from_position=world.manager_pos)
               .values_list("to_position_id", flat=True))
    assert sent == {p.id for p in targets}
