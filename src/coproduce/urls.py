from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from .api import api

admin.site.site_header = _("Coproduce back office")
admin.site.site_title = _("Coproduce back office")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("coproduce.people.urls")),
    path("", include("coproduce.web.urls")),
    path("waits/", include("coproduce.guarantees.urls")),
]

# JSON for /api/ addresses, the GOV.UK-styled "Page not found" everywhere else.
handler404 = "coproduce.web.views.page_not_found"
