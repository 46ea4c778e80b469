"""(filled by its part)"""

urlpatterns: list = []
