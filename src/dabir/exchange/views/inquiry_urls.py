"""Inquiry pages (استعلام), under /exchange/inquiries/."""

from django.urls import path

from . import inquiries

urlpatterns = [
    path("", inquiries.inquiry_list, name="inquiries"),
    path("new/", inquiries.inquiry_new, name="inquiry_new"),
    path("<int:inquiry_id>/", inquiries.inquiry_detail, name="inquiry"),
]
