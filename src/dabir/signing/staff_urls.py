from django.urls import path

from . import staff_views as views

# Mounted at /signing/ by dabir.urls: the staff page «امضای من» and its forms.
urlpatterns = [
    path("me/", views.me, name="signing_me"),
    path("me/images/<int:position_id>.png", views.signature_image, name="signing_image"),
    path("me/images/<int:position_id>/", views.upload_image, name="signing_upload_image"),
    path("agencies/<int:agency_id>/authority/", views.create_authority, name="signing_create_authority"),
    path("agencies/<int:agency_id>/certificates/", views.issue_certificate, name="signing_issue"),
    path("certificates/<int:certificate_id>/revoke/", views.revoke_certificate, name="signing_revoke"),
]
