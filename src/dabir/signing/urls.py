from django.urls import path

from . import views

# Mounted at /verify/ by dabir.urls.
urlpatterns = [
    path("", views.verify_home, name="verify_home"),
    path("pdf", views.verify_pdf, name="verify_pdf"),
    path("letters/<int:letter_id>.pdf", views.letter_pdf_download, name="letter_pdf"),
    path("crl/<str:agency_code>.crl", views.crl, name="verify_crl"),
    path("<str:code>", views.verify_code, name="verify_code"),
]
