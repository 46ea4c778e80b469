from django.urls import include, path

from . import views

urlpatterns = [
    # The daily-work parts: dashboard (home), viewer, bulk actions, ready notes and templates, suggestions.
    path("", include("dabir.letters.urls_dashboard")),
    path("", include("dabir.letters.urls_viewer")),
    path("", include("dabir.letters.urls_bulk")),
    path("", include("dabir.letters.urls_writing")),
    path("", include("dabir.letters.urls_suggest")),
    path("inbox/", views.inbox, name="inbox"),
    path("position/", views.switch_position, name="switch_position"),
    path("letters/new/", views.compose, name="compose"),
    path("letters/incoming/new/", views.register_incoming, name="register_incoming"),
    path("letters/<int:letter_id>/", views.letter_detail, name="letter_detail"),
    path("letters/<int:letter_id>/edit/", views.draft_edit, name="draft_edit"),
    path("letters/<int:letter_id>/refer/", views.refer, name="refer"),
    path("letters/<int:letter_id>/print/", views.letter_print, name="letter_print"),
    path("letters/<int:letter_id>/referral-sheet/", views.referral_sheet, name="referral_sheet"),
    path("letters/<int:letter_id>/complete/", views.letter_complete, name="letter_complete"),
    path("letters/<int:letter_id>/close/", views.letter_close, name="letter_close"),
    path("letters/<int:letter_id>/archive/", views.letter_archive, name="letter_archive"),
    path("letters/<int:letter_id>/file/", views.letter_file, name="letter_file"),
    path("letters/<int:letter_id>/approve/", views.letter_approve, name="letter_approve"),
    path("letters/<int:letter_id>/return/", views.letter_return, name="letter_return"),
    path("letters/<int:letter_id>/submit/", views.letter_submit, name="letter_submit"),
    path("letters/<int:letter_id>/register/", views.letter_register, name="letter_register"),
    path("letters/<int:letter_id>/dispatch/", views.letter_dispatch, name="letter_dispatch"),
    path("letters/<int:letter_id>/void/", views.letter_void, name="letter_void"),
    path("referrals/<int:referral_id>/withdraw/", views.referral_withdraw, name="referral_withdraw"),
    path("referrals/<int:referral_id>/reassign/", views.referral_reassign, name="referral_reassign"),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment_download"),
    path("search/", views.search, name="search"),
    path("followup/", views.followup, name="followup"),
    path("secretariat/", views.to_register, name="to_register"),
    path("folders/", views.folders, name="folders"),
    path("folders/<int:folder_id>/", views.folder_detail, name="folder_detail"),
]
