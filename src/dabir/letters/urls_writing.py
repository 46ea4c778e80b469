"""Pages of the writing part, included by dabir.letters.urls: one's ready margin notes, and starting a
letter from one of the agency's templates."""

from django.urls import path

from .views import writing

urlpatterns = [
    path("notes/ready/", writing.ready_notes, name="ready_notes"),
    path("notes/ready/<int:note_id>/edit/", writing.ready_note_edit, name="ready_note_edit"),
    path("notes/ready/<int:note_id>/move/", writing.ready_note_move, name="ready_note_move"),
    path("notes/ready/<int:note_id>/delete/", writing.ready_note_delete, name="ready_note_delete"),
    path("letters/new/from-template/", writing.compose_from_template, name="compose_from_template"),
    path("letters/templates/<int:template_id>/fill/", writing.template_fill, name="template_fill"),
]
