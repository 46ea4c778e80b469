"""Values for every URL parameter the project's routes take, drawn from the contract scene.

A route with a parameter named here is requested once per value (the secret letter and the
letter that links to it, a request and a complaint...). A parameter not named here fails the
contract test: add its filler below, so the new page is checked like the others.
"""

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType

from .scene import Scene


def _admin_object(scene: Scene, url_name: str):
    """The object an admin URL's object_id should name: the one tied to the secret letter when the
    model has one, else any row of it (a page of a model with no row cannot be checked)."""
    for model in admin.site._registry:
        prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
        if url_name.startswith(prefix):
            for obj in scene.objects.values():
                if isinstance(obj, model):
                    return obj
            tied = {
                "letter": scene.secret, "servicerequest": scene.request, "complaint": scene.complaint,
                "user": scene.outsider, "agency": scene.world.agency, "position": scene.world.manager_pos,
                "secretariat": scene.world.secretariat, "numberseries": scene.world.internal_series,
                "unit": scene.world.unit, "service": scene.desk.service,
            }.get(model._meta.model_name)
            return tied or model._default_manager.order_by("pk").first()
    return None


def _exchange_ids(param: str) -> list[str] | None:
    """The exchange's rows: every one of them (the scene sends one confidential letter across and asks
    one inquiry, so a handful), or an id nobody may see when there are none."""
    from dabir.exchange.models import Arrival, Delivery, Inquiry, Message, Transfer

    model = {"arrival_id": Arrival, "delivery_id": Delivery, "log_id": Message, "message_id": Message,
             "inquiry_id": Inquiry, "transfer_id": Transfer}.get(param)
    if model is None:
        return None
    found = [str(pk) for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:20]]
    return found or ["1"]


def values(scene: Scene, route: str, url_name: str, param: str) -> list[str] | None:
    """Every value to try for `param` of the route; None when the test does not know it."""
    s, o = scene, scene.objects
    if param == "object_id":
        obj = _admin_object(scene, url_name or "")
        if obj is None and url_name == "view_on_site":
            obj = scene.secret
        return [str(obj.pk)] if obj is not None else None
    if param == "content_type_id":
        return [str(ContentType.objects.get_for_model(scene.secret).pk)]
    if param == "app_label":
        return sorted({m._meta.app_label for m in admin.site._registry})
    if route.startswith("counters/") and param in ("code", "letter_id"):
        # the counter office's code, its citizen's letter (scene.counter_rows)
        return [o["office"].code] if param == "code" else [str(o["counter_letter"].pk)]
    if param == "code":
        if route.startswith("verify/") or "verif" in route:
            return [o["version"].code]
        return [s.desk.service.code]
    if param == "token":
        if "open311" in route:
            return [s.request.tracking_code]
        return [o["payment"].token]
    if route.startswith("stats/") and param in ("pk", "question_pk", "action_pk"):
        # supervision's rows (scene.stats_rows): the questionnaire, its question, the evaluation, its action
        key = {"question_pk": "question", "action_pk": "action_item"}.get(param) or (
            "evaluation" if route.startswith("stats/evaluations/") else "questionnaire")
        return [str(o[key].pk)]
    if route.startswith("channels/") and param in ("pk", "item_id", "file_id", "transmission_id", "dispatch_id"):
        # the channels' rows (scene.channels_rows), all tied to the secret letter
        key = {"pk": "correspondent", "item_id": "intake_item", "file_id": "intake_file",
               "transmission_id": "transmission", "dispatch_id": "post_dispatch"}[param]
        return [str(o[key].pk)]
    exchange = _exchange_ids(param)
    if exchange is not None:
        return exchange
    known = {
        "letter_id": [s.secret.pk, s.linking.pk],
        "attachment_id": [o["attachment"].pk],
        "referral_id": [o["referral"].pk],
        "folder_id": [o["folder"].pk],
        "position_id": [s.world.manager_pos.pk],
        "agency_id": [s.world.agency.pk],
        "agency_code": [s.world.agency.code],
        "certificate_id": [o["certificate"].pk],
        "serial": [o["certificate"].serial],
        "request_id": [s.request.pk],
        "document_id": [o["document"].pk],
        "complaint_id": [s.complaint.pk],
        "tracking_code": [s.request.tracking_code, s.complaint.tracking_code],
        "token_id": [o["token"].pk],
        "id": [s.outsider.pk],  # the admin's password form of a user
        "authority": [o["payment"].authority],
        "key": ["parcel_number"],
        "fmt": ["json", "xml", "csv", "xlsx"],
        "name": ["swagger-ui-init.js"],
        "index": [1],  # an arrival's attachment, by its place in the message
        "visit_id": [o["visit"].pk],  # the counter office's rows (scene.counter_rows)
        "submission_id": [o["submission"].pk],
        "staff_id": [o["staff"].pk],
        "scan_id": [o["counter_letter"].scans.first().pk],
        "year": [1405],
        "note_id": [o["ready_note"].pk, o["agency_note"].pk],  # ready margin notes (scene.writing_rows)
        "template_id": [o["letter_template"].pk],
        "notice_id": [o["notice"].pk],  # the chain manager's notice naming the secret letter (scene.notify_rows)
    }
    found = known.get(param)
    return [str(v) for v in found] if found is not None else None
