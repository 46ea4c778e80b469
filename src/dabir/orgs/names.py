"""Persian names of the orgs app's audit actions (see core.labels): its own acts, and the admin's
create/change/delete of each organisation setting (orgs.services.save_config, delete_config)."""

from .models import Agency, Assignment, NumberSeries, Position, Secretariat, Unit

_VERBS = {"create": "افزودن", "change": "ویرایش", "delete": "حذف"}

AUDIT_ACTIONS = {
    "agency.admin_added": "افزودن مدیر سامانه دستگاه",
    "position.acting": "تعیین جانشین",
    **{
        f"{model._meta.model_name}.{verb}": f"{name} {model._meta.verbose_name}"
        for model in (Agency, Unit, Position, Assignment, Secretariat, NumberSeries)
        for verb, name in _VERBS.items()
    },
}
