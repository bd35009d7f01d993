from django.contrib import admin
from django.urls import include, path

from statements.urls import api_patterns, feed_patterns

handler400 = "archive.errors.bad_request"
handler404 = "archive.errors.not_found"
handler500 = "archive.errors.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api_patterns)),
    path("feeds/", include(feed_patterns)),
    path("", include("statements.urls")),
]
