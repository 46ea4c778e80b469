"""`{% bulk_inbox_dialogs seat %}`: the inbox bar's dialogs (refer, file, complete) with the seat's agency's
positions and folders; the inbox view knows nothing of them."""

from django import template

register = template.Library()


@register.inclusion_tag("letters/partials/bulk_dialogs.html", takes_context=True)
def bulk_inbox_dialogs(context, seat):
    from ..views.bulk import inbox_forms

    forms = inbox_forms(seat)
    return {"refer_form": forms["refer"], "file_form": forms["file"], "complete_form": forms["complete"],
            "folders": forms["folders"], "request": context.get("request")}
