from django.contrib import admin
from django.urls import include, path, register_converter
from django.urls.converters import IntConverter
from django.utils.translation import gettext_lazy as _

from . import modules
from .api import MAX_ID, api


class IdConverter(IntConverter):
    """A row's id in a page address (`<id:right_id>`): a number larger than any database key
    is "Page not found", never a database error."""

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > MAX_ID:
            raise ValueError("Not an id.")
        return number


register_converter(IdConverter, "id")

admin.site.site_header = _("Coproduce back office")
admin.site.site_title = _("Coproduce back office")

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("", include("coproduce.people.urls")),
    path("", include("coproduce.web.urls")),
    path("messages/", include("coproduce.messaging.urls")),
    *modules.url_patterns(),
]

# JSON for /api/ addresses, the GOV.UK-styled "Page not found" everywhere else.
handler404 = "coproduce.web.views.page_not_found"
