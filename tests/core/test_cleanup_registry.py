"""`dabir cleanup` sweeps only what the apps registered at start; core itself names no app."""

from django.apps import apps
from django.db import models

from dabir.core import cleanup


def test_every_file_field_of_every_app_is_registered_so_its_files_are_never_swept_as_orphans():
    fields = {
        (model._meta.label, field.name)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    }
    assert fields  # letters, signing and the desk store files
    assert fields == cleanup.registered_fields()


def test_the_apps_register_their_codes_drafts_and_file_folders_at_start():
    assert [kind.key for kind in cleanup.expired_kinds()] == ["codes", "registration_keys"]
    assert cleanup.draft_folders() == ["desk-drafts"]
    assert sorted(cleanup.file_folders()) == ["attachments", "counters", "desk", "intake", "letters", "signatures"]
