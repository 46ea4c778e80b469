from dabir.core import audit
from dabir.letters import services
from dabir.letters.models import Status


def test_register_incoming_and_refer(world):
    letter = services.register_incoming(
        user=world.clerk, secretariat=world.secretariat, subject="درخواست بودجه", sender_name="شهرداری اهواز",
        channel="post", refer_to=[services.ReferralSpec(world.manager_pos.id, note="بررسی شود")],
        seat=world.seat(world.clerk_pos),
    )
    assert letter.status == Status.REGISTERED
    assert letter.seq == 1
    assert letter.number.endswith("/و/1")
    assert audit.verify().ok
