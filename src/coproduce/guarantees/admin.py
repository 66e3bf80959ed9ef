"""Back office: schemes are reference data, edited here (a new law is a new scheme version
with its own effective dates). Pathways and rights are only shown: they change through the
actions, and a list that names people audits each person shown."""

from django.contrib import admin

from coproduce.people.admin import AuditedListAdmin

from .models import Pathway, Right, Scheme, SchemeStage


class SchemeStageInline(admin.StackedInline):
    model = SchemeStage
    extra = 0


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "country", "effective_from", "effective_to"]
    list_filter = ["family", "country"]
    search_fields = ["code", "title"]
    inlines = [SchemeStageInline]


@admin.register(Pathway)
class PathwayAdmin(AuditedListAdmin):
    list_display = ["person", "service", "provider", "scheme", "created_at"]
    list_filter = ["scheme"]
    list_select_related = ["person", "provider", "scheme"]
    show_full_result_count = False


@admin.register(Right)
class RightAdmin(AuditedListAdmin):
    list_display = ["pathway", "stage", "breached_on", "requested_at", "offered_at"]
    list_select_related = ["pathway__person", "pathway__provider"]
    show_full_result_count = False

    def people_in(self, row):
        return [row.pathway.person]
