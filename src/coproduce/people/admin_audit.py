"""Auditing the back office: every look at and change to a person's data in /admin/ is on
that person's trail (via "Back office"), as the Care Record Guarantee asks of every look.

One mixin, `AuditedAdmin`, for every admin class that shows personal data. It writes:

- a READ row for each person an object concerns when its page is shown (change or view page,
  history page, delete confirmation);
- a READ row for each person named on a list page, one per person (not per row). A list
  shows names, dates of birth and NHS numbers, which is a look at each of those records, as
  the staff caseload list is; the admin pages at most `list_per_page` rows, so a list writes
  a bounded number of rows;
- a WRITE row for each person a saved or deleted object concerns (and no READ row for that
  request: a write is not also a read).
"""

from django.contrib import admin

from .access import Actor, record_audit
from .models import AuditEvent, Person
from .queries import audit_listing

BACK_OFFICE_REASON = "Back-office administration"

# Set on the request once a write is audited, so the same request adds no READ row.
_WROTE = "_coproduce_admin_audit_wrote"


def admin_actor(request) -> Actor:
    """The signed-in back-office user, as the audit trail names them."""
    return Actor(user=request.user, via=AuditEvent.Via.ADMIN)


def _distinct(people) -> list[Person]:
    return list({person.pk: person for person in people if person is not None}.values())


class AuditedAdmin(admin.ModelAdmin):
    """An admin whose objects are a person's data. Subclasses say what an object is called on
    the person's trail (`audit_what`, plain words) and whom it concerns (`people_in`)."""

    audit_what = ""

    def people_in(self, obj) -> list[Person]:
        """The people this object is data about: by default its `person`."""
        return [obj.person]

    def what_is_audited(self) -> str:
        return self.audit_what or str(self.model._meta.verbose_name)

    def audit_look(self, request, people, what: str) -> None:
        actor = admin_actor(request)
        for person in _distinct(people):
            record_audit(
                actor,
                person=person,
                action=AuditEvent.Action.READ,
                what=what,
                why=BACK_OFFICE_REASON,
            )

    def audit_change(self, request, people, what: str) -> None:
        actor = admin_actor(request)
        for person in _distinct(people):
            record_audit(
                actor,
                person=person,
                action=AuditEvent.Action.WRITE,
                what=what,
                why=BACK_OFFICE_REASON,
            )
        setattr(request, _WROTE, True)

    def _audit_shown(self, request, response, context_key: str, what: str) -> None:
        """A READ row for the object a page showed, unless the request wrote instead."""
        if getattr(request, _WROTE, False) or getattr(response, "status_code", None) != 200:
            return
        obj = (getattr(response, "context_data", None) or {}).get(context_key)
        if isinstance(obj, self.model):
            self.audit_look(request, self.people_in(obj), what)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        self._audit_shown(request, response, "original", f"{self.what_is_audited()} (back office)")
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        what = f"{self.what_is_audited()} change history (back office)"
        self._audit_shown(request, response, "object", what)
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        what = f"{self.what_is_audited()} (back office, before deleting)"
        self._audit_shown(request, response, "object", what)
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and getattr(response, "status_code", None) == 200:
            shown = _distinct(
                person for row in changelist.result_list for person in self.people_in(row)
            )
            audit_listing(
                admin_actor(request),
                shown,
                what=f"{self.what_is_audited()} list (back office)",
                why=BACK_OFFICE_REASON,
            )
        return response

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        verb = "changed" if change else "added"
        self.audit_change(
            request, self.people_in(obj), f"{self.what_is_audited()} {verb} (back office)"
        )

    def delete_model(self, request, obj):
        people = self.people_in(obj)
        super().delete_model(request, obj)
        self.audit_change(request, people, f"{self.what_is_audited()} deleted (back office)")

    def delete_queryset(self, request, queryset):
        people = [person for obj in queryset for person in self.people_in(obj)]
        super().delete_queryset(request, queryset)
        self.audit_change(request, people, f"{self.what_is_audited()} deleted (back office)")


class ViewOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here: the actions are the only write path."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ViewOnlyInline:
    """An inline (a scheme's stages, a wait's events) shown with its parent, never added,
    changed or deleted there: mix in before admin.TabularInline or StackedInline."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedViewOnlyAdmin(AuditedAdmin, ViewOnlyAdmin):
    """A person's data, shown in the back office and changed only through the actions."""
