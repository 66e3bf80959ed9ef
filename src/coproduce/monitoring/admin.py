"""Back office: programmes are shown with their definition; a person's monitoring
(enrolments, check-ins, alerts and their history, threshold changes) is only shown — it
changes through the actions — and every look is on the person's audit trail
(people.admin_audit)."""

from django.contrib import admin

from coproduce.people.admin_audit import AuditedViewOnlyAdmin, ViewOnlyAdmin, ViewOnlyInline

from .models import Alert, AlertStep, CareTeamMember, CheckIn, Enrolment, Programme, SettingChange


@admin.register(Programme)
class ProgrammeAdmin(ViewOnlyAdmin):
    list_display = ["title", "key", "scoring", "owner", "created_at"]


class CareTeamInline(ViewOnlyInline, admin.TabularInline):
    model = CareTeamMember
    extra = 0
    fields = ["position", "user", "job_title", "added_at", "removed_at"]
    readonly_fields = fields


@admin.register(Enrolment)
class EnrolmentAdmin(AuditedViewOnlyAdmin):
    audit_what = "monitoring enrolment"
    list_display = ["person", "programme", "organisation", "starts_on", "ended_at"]
    list_filter = ["programme"]
    list_select_related = ["person", "programme", "organisation"]
    show_full_result_count = False
    inlines = [CareTeamInline]


@admin.register(CheckIn)
class CheckInAdmin(AuditedViewOnlyAdmin):
    audit_what = "monitoring check-in"
    list_display = ["person", "day", "colour", "score", "source", "submitted_at"]
    list_filter = ["colour", "source"]
    list_select_related = ["person"]
    show_full_result_count = False


class AlertStepInline(ViewOnlyInline, admin.TabularInline):
    model = AlertStep
    fk_name = "alert"
    extra = 0
    fields = ["at", "kind", "by_label", "assigned_to", "note", "outcome"]
    readonly_fields = fields


@admin.register(Alert)
class AlertAdmin(AuditedViewOnlyAdmin):
    audit_what = "monitoring alert"
    list_display = ["person", "kind", "colour", "raised_at", "due_at", "assigned_to", "closed_at"]
    list_filter = ["kind", "colour"]
    list_select_related = ["person", "assigned_to"]
    show_full_result_count = False
    inlines = [AlertStepInline]


@admin.register(SettingChange)
class SettingChangeAdmin(AuditedViewOnlyAdmin):
    audit_what = "monitoring threshold change"
    list_display = ["programme", "enrolment", "key", "old_value", "new_value", "changed_by_label"]
    list_select_related = ["programme", "enrolment__person"]
    show_full_result_count = False

    def people_in(self, obj):
        return [obj.enrolment.person] if obj.enrolment_id else []
