"""The back office. Reference data (places, organisations, roles, sign-ins) is edited here;
a person's record, consent, care and audit are only shown: they change through the actions
(with their checks and audit rows), never by editing rows, and consent is only ever the
person's (or their proxy's) to give or take back. Every look at and change to a person's data
here is on their audit trail (admin_audit.AuditedAdmin)."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError

from . import actions
from .admin_audit import AuditedAdmin, AuditedViewOnlyAdmin, admin_actor
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


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["organisation"]


# A citizen's sign-in keeps who it belongs to: the back office cannot rename it or point its
# email elsewhere (and then send itself the reset link).
CITIZEN_SIGN_IN_FIXED = ("username", "first_name", "last_name", "email")


def _citizen(user: User) -> Person | None:
    return getattr(user, "person", None)


@admin.action(description=_("Send a password reset link"))
def send_password_reset_links(modeladmin, request, queryset):
    actor = admin_actor(request)
    site_url = request.build_absolute_uri("/")
    sent = 0
    for user in queryset:
        try:
            actions.send_password_reset_link(actor, user_id=user.pk, site_url=site_url)
        except ActionError as error:
            modeladmin.message_user(request, error.message, messages.ERROR)
        else:
            sent += 1
    if sent:
        modeladmin.message_user(
            request,
            _("A link to set a new password was emailed to %(count)d of the selected people.")
            % {"count": sent},
            messages.SUCCESS,
        )


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    """Nobody in the back office can set or know a citizen's password (they could then sign
    in as them): a citizen's sign-in has no password field and its password page is refused;
    "Send a password reset link" emails the person a link to choose one themself."""

    audit_what = "sign-in details"
    inlines = [RoleInline]
    actions = [send_password_reset_links]
    list_select_related = ["person"]

    def people_in(self, obj) -> list[Person]:
        return [_citizen(obj)]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or _citizen(obj) is None:
            return fieldsets
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f != "password"]})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        fixed = super().get_readonly_fields(request, obj)
        if obj is not None and _citizen(obj) is not None:
            return [*fixed, *CITIZEN_SIGN_IN_FIXED]
        return fixed

    def get_search_results(self, request, queryset, search_term):
        """The sign-ins offered when giving someone a role are staff ones: the look-up is not
        a page, so it would show citizens' names without a trail."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.path == reverse("admin:autocomplete"):
            found = found.filter(person__isnull=True)
        return found, may_have_duplicates

    def user_change_password(self, request, id, form_url=""):
        user = self.get_object(request, unquote(id))
        if user is not None and _citizen(user) is not None:
            raise PermissionDenied
        return super().user_change_password(request, id, form_url)


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
class PersonAdmin(AuditedViewOnlyAdmin):
    audit_what = "record"
    list_display = ["family_name", "given_name", "date_of_birth", "nhs_number", "locality"]
    search_fields = ["family_name", "given_name", "nhs_number"]
    list_select_related = ["locality"]
    show_full_result_count = False

    def people_in(self, obj) -> list[Person]:
        return [obj]


@admin.register(Relationship)
class RelationshipAdmin(AuditedViewOnlyAdmin):
    """A look at who acts for whom is a look at both people."""

    audit_what = "people who act for them"
    list_display = ["proxy", "kind", "scope", "person", "starts_on", "ends_on"]
    list_filter = ["kind", "scope"]
    list_select_related = ["person", "proxy"]

    def people_in(self, obj) -> list[Person]:
        return [obj.person, obj.proxy]


@admin.register(Consent)
class ConsentAdmin(AuditedViewOnlyAdmin):
    audit_what = "consents"
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
class CareRelationshipAdmin(AuditedViewOnlyAdmin):
    audit_what = "organisations caring for them"
    list_display = ["person", "organisation", "category", "reason", "starts_on", "ends_on"]
    list_filter = ["category"]
    list_select_related = ["person", "organisation"]


@admin.register(AuditEvent)
class AuditEventAdmin(AuditedViewOnlyAdmin):
    """Append-only: nobody, not even a superuser, can add, change or delete an entry. Who
    looked at a person's record is itself about that person, so reading it is audited."""

    audit_what = "record of who looked at their data"

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
