from django.urls import path

from . import token_views, views

app_name = "people"
urlpatterns = [
    path("my-data/", views.my_data, name="my-data"),
    path("my-data/download.json", views.download_my_data, name="my-data-download"),
    path(
        "my-data/consents/<id:consent_id>/revoke/",
        views.revoke_consent,
        name="revoke-consent",
    ),
    path("my-data/<uuid:person_id>/", views.my_data, name="my-data-for"),
    path(
        "my-data/<uuid:person_id>/download.json",
        views.download_my_data,
        name="my-data-download-for",
    ),
    path(
        "my-data/<uuid:person_id>/consents/<id:consent_id>/revoke/",
        views.revoke_consent,
        name="revoke-consent-for",
    ),
    path("people/<uuid:person_id>/", views.person, name="person"),
    path(
        "people/<uuid:person_id>/consents/give/",
        views.give_consent_on_behalf,
        name="give-consent-on-behalf",
    ),
    path("api-tokens/", token_views.api_tokens, name="api-tokens"),
    path(
        "api-tokens/<id:token_id>/revoke/",
        token_views.revoke_api_token,
        name="revoke-api-token",
    ),
]
