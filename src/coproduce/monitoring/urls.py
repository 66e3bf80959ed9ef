from django.urls import path

from . import (
    citizen_views,
    staff_alert_views,
    staff_enrolling_views,
    staff_enrolment_views,
    staff_views,
)

app_name = "monitoring"
urlpatterns = [
    # The person's own check-ins, and those of someone they act for.
    path("", citizen_views.mine, name="mine"),
    path("for/<uuid:person_id>/", citizen_views.mine, name="mine-for"),
    path(
        "my/<uuid:enrolment_id>/how-it-works/",
        citizen_views.how_it_works,
        name="how-it-works",
    ),
    path("my/<uuid:enrolment_id>/history/", citizen_views.history, name="history"),
    path("my/<uuid:enrolment_id>/check-in/", citizen_views.start_check_in, name="check-in"),
    path(
        "my/<uuid:enrolment_id>/check-in/questions/<str:key>/",
        citizen_views.question,
        name="question",
    ),
    path(
        "my/<uuid:enrolment_id>/check-in/check/",
        citizen_views.check_answers,
        name="check-answers",
    ),
    path(
        "my/<uuid:enrolment_id>/measure-again/<uuid:alert_id>/",
        citizen_views.measure_again,
        name="measure-again",
    ),
    path("my/check-ins/<uuid:check_in_id>/", citizen_views.result, name="result"),
    # The care team's pages.
    path("panel/", staff_views.panel, name="panel"),
    path("alerts/", staff_views.alerts, name="alerts"),
    path("alerts/<uuid:alert_id>/", staff_alert_views.alert, name="alert"),
    path("alerts/<uuid:alert_id>/fhir.json", staff_alert_views.alert_fhir, name="alert-fhir"),
    path("alerts/<uuid:alert_id>/<slug:step>/", staff_alert_views.alert_step, name="alert-step"),
    path(
        "enrolments/<uuid:enrolment_id>/thresholds/",
        staff_enrolment_views.thresholds,
        name="thresholds",
    ),
    path(
        "enrolments/<uuid:enrolment_id>/thresholds/<slug:key>/",
        staff_enrolment_views.change_threshold,
        name="change-threshold",
    ),
    path("enrolments/<uuid:enrolment_id>/end/", staff_enrolment_views.end_enrolment, name="end"),
    path("enrol/<uuid:person_id>/", staff_enrolling_views.enrol, name="enrol"),
    path(
        "enrol/<uuid:person_id>/details/", staff_enrolling_views.enrol_details, name="enrol-details"
    ),
    path("enrol/<uuid:person_id>/check/", staff_enrolling_views.enrol_check, name="enrol-check"),
]
