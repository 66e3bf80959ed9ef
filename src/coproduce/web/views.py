"""The site's own pages: the front page, signing in and out, the homes and the error pages.
Views are thin: they call the people module's queries and render GOV.UK components."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from coproduce import modules, ratelimit
from coproduce.api import api_not_found
from coproduce.errors import Throttled
from coproduce.listing import PeopleShown, page_for_site
from coproduce.people.access import Actor, current_care_relationships
from coproduce.people.models import Person, Role
from coproduce.people.queries import (
    current_consents_for_person,
    people_acted_for,
    people_in_care_of,
)

from . import tiles
from .forms import CaseloadSearchForm, NewPasswordForm, SignInForm
from .pagination import page_links

CASELOAD_PAGE_SIZE = 25
# The NHS number is listed only for people the actor has a health basis for.
CASELOAD_SHOWN = PeopleShown(
    what=lambda person: (
        "name, date of birth and NHS number (caseload list)"
        if person.nhs_number_shown
        else "name and date of birth (caseload list)"
    )
)


def _public_pages() -> list[dict[str, str]]:
    """What the installed modules offer, in words, with the page anyone may open."""
    return [
        {
            "title": offer.title,
            "text": offer.text,
            "href": reverse(offer.url_name) if offer.url_name else "",
            "link_text": offer.link_text,
        }
        for offer in modules.public_offers()
    ]


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "web/home.html", {"offers": _public_pages()})


def about(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/about.html",
        {"offers": _public_pages(), "contact_email": settings.COPRODUCE_FEEDBACK_EMAIL},
    )


def feedback(request: HttpRequest) -> HttpResponse:
    return render(
        request, "web/feedback.html", {"contact_email": settings.COPRODUCE_FEEDBACK_EMAIL}
    )


class SignInView(auth_views.LoginView):
    template_name = "web/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context["form"]
        context["has_errors"] = form.is_bound and bool(form.errors)
        return context


class SignOutView(auth_views.LogoutView):
    """Signing out is a POST (with the CSRF token); a GET shows the button to do it."""

    http_method_names = ["get", "post", "options"]
    template_name = "web/sign_out.html"

    def get(self, request, *args, **kwargs):
        return TemplateResponse(request, self.template_name)

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.success(request, _("You have signed out."))
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """The page a password reset link opens (the back office sends these): choose a new
    password. An out-of-date or used link says so and sets nothing."""

    template_name = "web/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("web:password-reset-complete")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = context.get("form")
        context["has_errors"] = form is not None and form.is_bound and bool(form.errors)
        return context


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "web/password_reset_complete.html"


def _citizen_home(actor: Actor, person: Person) -> dict:
    today = timezone.localdate()
    return {
        "person": person,
        "caring": current_care_relationships(today)
        .filter(person=person)
        .select_related("organisation")
        .order_by("organisation__name", "category"),
        "consent_count": current_consents_for_person(person).count(),
        "acting_for": list(people_acted_for(person)),
        "tiles": tiles.tiles_for(tiles.CITIZEN, actor),
    }


def _staff_home(actor: Actor, request: HttpRequest) -> dict:
    # Each name listed is a row in that person's audit trail: nobody may flood it.
    ratelimit.enforce(
        "people-search",
        ratelimit.key_for(actor),
        message=_("You have searched for people too many times in a short time."),
    )
    search_form = CaseloadSearchForm(request.GET)
    if search_form.is_valid():
        search = search_form.cleaned_data["q"]
        found = people_in_care_of(actor, search=search)
    else:
        search, found = "", Person.objects.none()
    page = page_for_site(request, actor, found, CASELOAD_SHOWN, per_page=CASELOAD_PAGE_SIZE)
    people = page.object_list
    return {
        "roles": sorted(actor.roles, key=lambda role: (role.organisation.name, role.kind)),
        "search": search,
        "search_form": search_form,
        "errors": search_form.error_summary(),
        "page": page,
        "people": people,
        "shows_nhs_numbers": any(person.nhs_number_shown for person in people),
        "page_links": page_links(request, page, label=_("Pages of people you can see")),
        "tiles": tiles.tiles_for(tiles.STAFF, actor),
        "manages_api_tokens": any(
            role.kind == Role.Kind.ORGANISATION_ADMIN for role in actor.roles
        ),
    }


@never_cache
@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """A citizen's home, a member of staff's home, or both for someone who is both."""
    actor = Actor.for_web(request)
    context = {}
    person = actor.own_person
    if person is not None:
        context["citizen"] = _citizen_home(actor, person)
    if actor.is_staff_member:
        try:
            context["staff"] = _staff_home(actor, request)
        except Throttled as error:
            return too_many_requests(request, error)
        context["has_errors"] = bool(context["staff"]["errors"])
    if not context and request.user.is_staff:
        # A platform operator (the back office's sign-in) has no record and no role: their
        # home is the way to the back office and to what every module publishes.
        context["operator"] = {"public_pages": _public_pages()}
    return render(request, "web/dashboard.html", context)


def too_many_requests(request: HttpRequest, error: Throttled) -> HttpResponse:
    response = render(request, "429.html", {"message": error.message}, status=429)
    response["Retry-After"] = str(error.retry_after)
    return response


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The API keeps its JSON error envelope; everywhere else gets the "Page not found" page.

    The page says nothing about what was asked for, so a person's record that exists but is
    not yours looks exactly like one that does not exist.
    """
    if request.path_info.startswith("/api/"):
        return api_not_found(request, exception)
    return render(request, "404.html", status=404)
