"""Back office: schemes are reference data, edited here (a new law is a new scheme version
with its own effective dates). Pathways and rights are only shown: they change through the
actions, and every look at them is on the person's audit trail (people.admin_audit)."""

from django.contrib import admin

from coproduce.people.admin_audit import AuditedViewOnlyAdmin

from .models import Pathway, PathwayEvent, Right, Scheme, SchemeStage


class SchemeStageInline(admin.StackedInline):
    model = SchemeStage
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "country", "effective_from", "effective_to"]
    list_filter = ["family", "country"]
    search_fields = ["code", "title"]
    inlines = [SchemeStageInline]


class PathwayEventInline(admin.TabularInline):
    """A wait's events, shown on the wait's page (the page's look is audited once)."""

    model = PathwayEvent
    fk_name = "pathway"
    extra = 0
    fields = ["sequence", "type", "occurred_on", "corrects", "note", "recorded_by_label"]
    readonly_fields = fields
    ordering = ["sequence"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Pathway)
class PathwayAdmin(AuditedViewOnlyAdmin):
    audit_what = "wait"
    list_display = ["person", "service", "provider", "scheme", "created_at"]
    list_filter = ["scheme"]
    list_select_related = ["person", "provider", "scheme"]
    show_full_result_count = False
    inlines = [PathwayEventInline]


@admin.register(PathwayEvent)
class PathwayEventAdmin(AuditedViewOnlyAdmin):
    audit_what = "events of a wait"
    list_display = ["pathway", "type", "occurred_on", "sequence", "recorded_by_label"]
    list_select_related = ["pathway__person", "pathway__provider", "pathway__scheme"]
    show_full_result_count = False

    def people_in(self, obj):
        return [obj.pathway.person]


@admin.register(Right)
class RightAdmin(AuditedViewOnlyAdmin):
    audit_what = "right to care elsewhere"
    list_display = ["pathway", "stage", "breached_on", "requested_at", "offered_at"]
    list_select_related = ["pathway__person", "pathway__provider", "pathway__scheme"]
    show_full_result_count = False

    def people_in(self, obj):
        return [obj.pathway.person]
