"""The back office. Reference data (places, organisations, roles, sign-ins) is edited here;
a person's record, consent, care and audit are only shown: they change through the actions
(with their checks and audit rows), never by editing rows, and consent is only ever the
person's (or their proxy's) to give or take back. Opening a person is audited."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError

from . import actions
from .access import Actor, record_audit
from .models import (
    ApiToken,
    AuditEvent,
    CareRelationship,
    Consent,
    Locality,
    Organisation,
    Person,
    Relationship,
    Role,
    User,
)
from .queries import audit_listing

BACK_OFFICE_REASON = "Back-office administration"


def admin_actor(request) -> Actor:
    return Actor(user=request.user, via=AuditEvent.Via.ADMIN)


class ViewOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here: the actions are the only write path."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedListAdmin(ViewOnlyAdmin):
    """A list that names people is a look at each of them: the people shown are audited."""

    def people_in(self, row) -> list[Person]:
        return [row.person]

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            shown = {
                person.pk: person
                for row in changelist.result_list
                for person in self.people_in(row)
            }
            audit_listing(
                admin_actor(request),
                list(shown.values()),
                what=f"{self.model._meta.verbose_name_plural} list (back office)",
                why=BACK_OFFICE_REASON,
            )
        return response


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    inlines = [RoleInline]


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "kind", "locality", "parent"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    list_select_related = ["locality", "parent"]
    autocomplete_fields = ["locality", "parent"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "organisation", "job_title", "starts_on", "ends_on"]
    list_filter = ["kind"]
    search_fields = ["user__username", "user__last_name", "organisation__name"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(Person)
class PersonAdmin(AuditedListAdmin):
    list_display = ["family_name", "given_name", "date_of_birth", "nhs_number", "locality"]
    search_fields = ["family_name", "given_name", "nhs_number"]
    list_select_related = ["locality"]
    show_full_result_count = False

    def people_in(self, row) -> list[Person]:
        return [row]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        person = self.get_object(request, object_id)
        if person is not None and getattr(response, "status_code", 200) == 200:
            record_audit(
                admin_actor(request),
                person=person,
                action=AuditEvent.Action.READ,
                what="record (back office)",
                why=BACK_OFFICE_REASON,
            )
        return response


@admin.register(Relationship)
class RelationshipAdmin(AuditedListAdmin):
    list_display = ["proxy", "kind", "scope", "person", "starts_on", "ends_on"]
    list_filter = ["kind", "scope"]
    list_select_related = ["person", "proxy"]

    def people_in(self, row) -> list[Person]:
        return [row.person, row.proxy]


@admin.register(Consent)
class ConsentAdmin(AuditedListAdmin):
    list_display = [
        "person",
        "organisation",
        "category",
        "granted_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["category"]
    list_select_related = ["person", "organisation"]


@admin.register(CareRelationship)
class CareRelationshipAdmin(AuditedListAdmin):
    list_display = ["person", "organisation", "category", "reason", "starts_on", "ends_on"]
    list_filter = ["category"]
    list_select_related = ["person", "organisation"]


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdmin):
    """Append-only: nobody, not even a superuser, can add, change or delete an entry."""

    list_display = [
        "occurred_at",
        "person",
        "actor_label",
        "organisation",
        "action",
        "what",
        "why",
        "via",
    ]
    list_filter = ["action", "via"]
    list_select_related = ["person", "organisation"]
    date_hierarchy = "occurred_at"
    show_full_result_count = False

    def get_actions(self, request):
        return {}


@admin.action(description=_("Revoke the selected API tokens"))
def revoke_api_tokens(modeladmin, request, queryset):
    actor = admin_actor(request)
    for token_id in queryset.values_list("pk", flat=True):
        try:
            actions.revoke_api_token(actor, token_id=token_id)
        except ActionError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
            return
    modeladmin.message_user(request, _("The selected API tokens are revoked."), messages.SUCCESS)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by people.actions.create_api_token (the raw token is shown once);
    only its hash is stored, and the hash is never shown here."""

    list_display = ["prefix", "name", "organisation", "scope", "expires_at", "revoked_at"]
    list_filter = ["scope", "organisation"]
    search_fields = ["prefix", "name", "organisation__name"]
    list_select_related = ["organisation"]
    fields = [
        "prefix",
        "name",
        "organisation",
        "scope",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = fields
    actions = [revoke_api_tokens]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
