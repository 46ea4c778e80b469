app_name = "desk_staff"
urlpatterns: list = []
