"""Tracking codes from a seeded generator (the demo's), through the services' `rng` keyword."""

import random

import pytest

from dabir.desk import codes, services

from .test_services import make_citizen, setup_desk, submit


def test_seeded_codes_repeat_and_carry_the_check_digit():
    first = [codes.new_tracking_code(random.Random(7)) for _ in range(3)]
    assert len(set(first)) == 1  # the same seed, the same code
    rng = random.Random(7)
    run = [codes.new_tracking_code(rng), codes.new_complaint_code(rng)]
    rng = random.Random(7)
    assert run == [codes.new_tracking_code(rng), codes.new_complaint_code(rng)]
    assert run[0] == first[0] and run[0][0] in "12345678" and run[1].startswith("9")
    assert all(codes.is_valid(c) and len(c) == codes.LENGTH for c in run)
    # without a generator, codes come from the secrets module: no two alike in a few hundred
    assert len({codes.new_tracking_code() for _ in range(200)}) == 200


@pytest.mark.django_db
def test_submit_and_complaint_take_the_generator(world):
    service = setup_desk(world)
    citizen = make_citizen()
    expected = random.Random(99)
    want_request, want_complaint = codes.new_tracking_code(expected), codes.new_complaint_code(expected)
    rng = random.Random(99)
    req = submit(service, citizen, rng=rng)
    complaint = services.file_complaint(user=citizen, national_code=citizen.national_code, mobile=citizen.mobile,
                                        about="agency", agency=world.agency, text="پاسخی نگرفتم", rng=rng)
    assert (req.tracking_code, complaint.tracking_code) == (want_request, want_complaint)
    # the module's functions are not replaced by anyone (the demo passes its generator instead)
    assert codes.new_tracking_code.__module__ == "dabir.desk.codes"


def test_demo_no_longer_patches_the_codes_module():
    import dabir.demo.desk as demo

    assert not hasattr(demo, "seeded_codes")
