"""An approved fee schedule never changes, whatever the path: the services refuse it (services/fees.py),
and these receivers refuse a save or delete of its rows from anywhere else — the admin, a shell, a
fixture load — with the same Persian message (a Conflict, shown as a page or problem+json).

What is refused:
- a FeeSchedule whose stored row is approved: saved again (any field) or deleted;
- a Fee of an approved schedule: changed, moved to another schedule, or deleted;
- a new Fee added to a schedule approved through services.approve_schedule (approved_at set).

A schedule created already approved in one go (the demo's seed, a test's fixture) may receive its fee
rows before anyone approves it through the service; it is sealed for changes as soon as it is stored.
Queryset update()/delete() and bulk_create bypass model signals (a Django rule): no code of Dabir uses
them on these tables outside the draft-only services.
"""

from django.db.models.signals import pre_delete, pre_save

from dabir.core.errors import Conflict

from .models import Fee, FeeSchedule


def _refuse(schedule: FeeSchedule):
    from .services.fees import sealed_message

    raise Conflict(sealed_message(schedule), code="schedule_approved")


def _stored_approved(pk) -> FeeSchedule | None:
    if pk is None:
        return None
    return FeeSchedule.objects.filter(pk=pk, state=FeeSchedule.State.APPROVED).first()


def guard_schedule_save(sender, instance: FeeSchedule, **kwargs) -> None:
    stored = _stored_approved(instance.pk)
    if stored is not None:
        _refuse(stored)


def guard_schedule_delete(sender, instance: FeeSchedule, **kwargs) -> None:
    stored = _stored_approved(instance.pk)
    if stored is not None:
        _refuse(stored)


def guard_fee_save(sender, instance: Fee, **kwargs) -> None:
    stored_schedule = Fee.objects.filter(pk=instance.pk).values_list("schedule_id", flat=True).first() \
        if instance.pk is not None else None
    if stored_schedule is not None:  # a change: neither the schedule it was in nor the one it goes to is approved
        for pk in (stored_schedule, instance.schedule_id):
            stored = _stored_approved(pk)
            if stored is not None:
                _refuse(stored)
        return
    stored = _stored_approved(instance.schedule_id)
    if stored is not None and stored.approved_at is not None:
        _refuse(stored)


def guard_fee_delete(sender, instance: Fee, **kwargs) -> None:
    stored = _stored_approved(instance.schedule_id)
    if stored is not None:
        _refuse(stored)


def connect() -> None:
    """Called once from CountersConfig.ready()."""
    pre_save.connect(guard_schedule_save, sender=FeeSchedule, dispatch_uid="counters.fee_guard.schedule_save")
    pre_delete.connect(guard_schedule_delete, sender=FeeSchedule, dispatch_uid="counters.fee_guard.schedule_delete")
    pre_save.connect(guard_fee_save, sender=Fee, dispatch_uid="counters.fee_guard.fee_save")
    pre_delete.connect(guard_fee_delete, sender=Fee, dispatch_uid="counters.fee_guard.fee_delete")
