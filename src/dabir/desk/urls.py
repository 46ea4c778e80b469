from django.urls import path

from . import views

# Mounted at /services/ by dabir.urls. The fixed paths come before <code>/ so no service code hides them.
app_name = "desk"
urlpatterns = [
    path("", views.catalogue, name="catalogue"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="sw"),
    path("offline/", views.offline, name="offline"),
    path("track/", views.track, name="track"),
    path("my/", views.my_requests, name="my_requests"),
    path("my/<str:tracking_code>/", views.my_request, name="my_request"),
    path("my/<str:tracking_code>/done/", views.confirmation, name="confirmation"),
    path("my/<str:tracking_code>/documents/", views.add_documents, name="add_documents"),
    path("my/<str:tracking_code>/rate/", views.rate, name="rate"),
    path("my/<str:tracking_code>/cancel/", views.cancel, name="cancel"),
    path("my/<str:tracking_code>/pay/", views.pay, name="pay"),
    path("my/<str:tracking_code>/paid/", views.paid, name="paid"),
    path("my/<str:tracking_code>/result.pdf", views.result_pdf, name="result_pdf"),
    path("complaints/new/", views.complaint_new, name="complaint_new"),
    path("complaints/<str:tracking_code>/", views.complaint_detail, name="complaint"),
    path("<str:code>/", views.service_profile, name="service"),
    path("<str:code>/apply/", views.apply, name="apply"),
    path("<str:code>/apply/<str:key>/check/", views.check_answers, name="check"),
]
