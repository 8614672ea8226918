from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("api.urls")),
    path("", include("pages.urls")),
]
# Evidence is never served from MEDIA_URL: only through /evidence/<id>/ and the API, to whoever may see its ticket.

handler400 = "pages.views.errors.bad_request"
handler403 = "pages.views.errors.forbidden"
handler404 = "pages.views.errors.not_found"
handler500 = "pages.views.errors.server_error"
