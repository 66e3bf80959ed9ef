from django.urls import path

from . import staff_views

app_name = "monitoring"
urlpatterns = [
    # The care team's pages.
    path("panel/", staff_views.panel, name="panel"),
    path("alerts/", staff_views.alerts, name="alerts"),
    path("alerts/<uuid:alert_id>/", staff_views.alert, name="alert"),
    path("alerts/<uuid:alert_id>/fhir.json", staff_views.alert_fhir, name="alert-fhir"),
    path("alerts/<uuid:alert_id>/<slug:step>/", staff_views.alert_step, name="alert-step"),
    path(
        "enrolments/<uuid:enrolment_id>/thresholds/",
        staff_views.thresholds,
        name="thresholds",
    ),
    path(
        "enrolments/<uuid:enrolment_id>/thresholds/<slug:key>/",
        staff_views.change_threshold,
        name="change-threshold",
    ),
    path("enrolments/<uuid:enrolment_id>/end/", staff_views.end_enrolment, name="end"),
    path("enrol/<uuid:person_id>/", staff_views.enrol, name="enrol"),
    path("enrol/<uuid:person_id>/details/", staff_views.enrol_details, name="enrol-details"),
    path("enrol/<uuid:person_id>/check/", staff_views.enrol_check, name="enrol-check"),
]
