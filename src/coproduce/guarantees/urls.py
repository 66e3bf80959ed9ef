from django.urls import include, path

from . import views
from .statistics_views import statistics_urlpatterns

app_name = "guarantees"
urlpatterns = [
    # A person's own waits, and the waits of someone they act for.
    path("", views.my_waits, name="my-waits"),
    path("for/<uuid:person_id>/", views.my_waits, name="my-waits-for"),
    path(
        "ask/<uuid:pathway_id>/<slug:stage>/",
        views.ask_for_care_elsewhere,
        name="ask",
    ),
    path("offers/<id:right_id>/accept/", views.accept_offer, name="accept-offer"),
    path("offers/<id:right_id>/decline/", views.decline_offer, name="decline-offer"),
    # Staff.
    path("worklist/", views.worklist, name="worklist"),
    path("rights/<id:right_id>/offer/", views.offer_care_elsewhere, name="offer"),
    path(
        "rights/<id:right_id>/treated/",
        views.record_treated_elsewhere,
        name="treated-elsewhere",
    ),
    path("pathways/<uuid:pathway_id>/", views.pathway, name="pathway"),
    path(
        "pathways/<uuid:pathway_id>/ask/<slug:stage>/",
        views.ask_on_behalf,
        name="ask-on-behalf",
    ),
    path("rights/<id:right_id>/answer/", views.reply_on_behalf, name="reply-on-behalf"),
    path(
        "pathways/<uuid:pathway_id>/withdraw/",
        views.withdraw_event,
        name="withdraw-event",
    ),
    path("open/<uuid:person_id>/", views.open_pathway, name="open"),
    # Compliance statistics, for everyone.
    path("statistics/", include(statistics_urlpatterns)),
]
