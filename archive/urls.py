from django.contrib import admin
from django.urls import include, path

handler400 = "archive.errors.bad_request"
handler500 = "archive.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("statements.urls")),
]
