from django.http import HttpResponse
from django.urls import path
from ninja import Router

app_name = "sample"
router = Router(tags=["Sample"])


@router.get("/hello", response=dict)
def hello(request):
    return {"hello": "sample"}


def page(request):
    return HttpResponse("The sample module's page.")


def person(request, person_id):
    return HttpResponse("The sample module's page for a person.")


urlpatterns = [
    path("", page, name="page"),
    path("people/<uuid:person_id>/", person, name="person"),
]
