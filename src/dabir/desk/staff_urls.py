"""Staff pages of the service desk, mounted at /desk-staff/ by dabir.urls."""

from django.urls import path

from . import staff_views as views

app_name = "desk_staff"
urlpatterns = [
    path("", views.staff_list, name="list"),
    path("late/", views.late_list, name="late"),
    path("<int:request_id>/decide/", views.decide, name="decide"),
    path("<int:request_id>/documents/ask/", views.ask_documents, name="ask_documents"),
    path("<int:request_id>/sign/", views.sign_result, name="sign_result"),
    path("<int:request_id>/documents/<int:document_id>/", views.document, name="document"),
    path("complaints/<int:complaint_id>/answer/", views.answer_complaint, name="answer_complaint"),
]
