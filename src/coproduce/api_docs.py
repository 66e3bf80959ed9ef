"""The API's documentation page, /api/docs: Swagger UI from our own static files (npm
swagger-ui-dist, pinned in package.json and copied by `npm run build`), never from a CDN, and
started by a static script, so the page keeps the site's Content-Security-Policy."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from ninja.openapi.docs import DocsBase


class SwaggerUIFromOurStaticFiles(DocsBase):
    def render_page(self, request: HttpRequest, api: Any, **kwargs: Any) -> HttpResponse:
        swagger_settings = {
            "url": self.get_openapi_url(api, kwargs),
            "layout": "BaseLayout",
            "deepLinking": True,
            # Swagger UI would otherwise send the schema to validator.swagger.io for a badge.
            "validatorUrl": None,
        }
        return render(
            request, "web/api_docs.html", {"api": api, "swagger_settings": swagger_settings}
        )
