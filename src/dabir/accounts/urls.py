from django.urls import path

from . import views

# Mounted at /citizen/ by dabir.urls.
urlpatterns = [
    path("", views.citizen_home, name="citizen_home"),
    path("login/", views.citizen_login, name="citizen_login"),
    path("logout/", views.citizen_logout, name="citizen_logout"),
]
