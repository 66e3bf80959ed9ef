"""The site's addresses and one more for the benchmark: POST /bench/row inserts one row into
a table the benchmark script creates (`bench_row`), through the same server, middleware and
database as a check-in. It is the floor a check-in is compared with."""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from coproduce.urls import handler404  # noqa: F401
from coproduce.urls import urlpatterns as site_urlpatterns


@csrf_exempt
def insert_one_row(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_row (body) VALUES (%s)", [request.body.decode()])
    return HttpResponse(status=201)


urlpatterns = [path("bench/row", insert_one_row), *site_urlpatterns]
