from django.urls import path

from . import views

app_name = "payments"

# Mounted at /payments/ by dabir.urls.
urlpatterns = [
    path("testbank/<str:authority>/", views.testbank, name="testbank"),
    path("return/", views.payment_return, name="return"),
    path("receipt/<str:token>/", views.receipt, name="receipt"),
]
