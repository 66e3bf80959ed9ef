"""API tokens in the site: an organisation admin makes a token for a machine client (the
secret is shown once, on the page that made it), sees the organisation's tokens, and revokes
one after a check step. Anyone who is not an admin of the organisation gets "Page not found".
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from coproduce.web.form_path import act, confirm, form_errors, posted
from coproduce.web.forms import GovukErrorsMixin, RecordChoiceField

from . import actions
from .access import Actor
from .models import ApiToken, Organisation, Role


def administered_organisations(actor: Actor) -> list[Organisation]:
    """The organisations this actor is an admin of today, by name."""
    return sorted(
        {role.organisation for role in actor.roles if role.kind == Role.Kind.ORGANISATION_ADMIN},
        key=lambda organisation: (organisation.name, organisation.pk),
    )


class NewTokenForm(GovukErrorsMixin, forms.Form):
    action_fields = {"organisation_id": "organisation"}

    organisation = RecordChoiceField(
        queryset=Organisation.objects.none(),
        label=gettext_lazy("Organisation"),
        empty_label=None,
        error_messages={
            "required": gettext_lazy("Choose the organisation the token acts for."),
            "invalid_choice": gettext_lazy("Choose an organisation you are an admin of."),
        },
    )
    name = forms.CharField(
        max_length=100,
        label=gettext_lazy("Name of the system that will use it"),
        widget=forms.TextInput(attrs={"class": "govuk-!-width-two-thirds"}),
        error_messages={
            "required": gettext_lazy("Name the system that will use this token."),
            "max_length": gettext_lazy("The name must be 100 characters or fewer."),
        },
    )
    scope = forms.ChoiceField(
        choices=ApiToken.Scope.choices,
        widget=forms.RadioSelect,
        label=gettext_lazy("What it may do"),
        error_messages={"required": gettext_lazy("Choose read, or read and write.")},
    )

    def __init__(self, *args, organisations: list[Organisation], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = Organisation.objects.filter(
            pk__in=[organisation.pk for organisation in organisations]
        )
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk


def _organisations_or_404(actor: Actor) -> list[Organisation]:
    organisations = administered_organisations(actor)
    if not organisations:
        raise Http404
    return organisations


@never_cache
@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The tokens of every organisation the actor is an admin of, and a form for a new one.
    A token made here is shown in full on the answer to that POST, and never again."""
    actor = Actor.for_web(request)
    organisations = _organisations_or_404(actor)
    form = NewTokenForm(posted(request), organisations=organisations)
    new_secret = new_token = None
    # The secret is on the answer to this POST only (no redirect): it is kept nowhere else.
    done = act(
        request,
        form,
        lambda data: actions.create_api_token(
            actor,
            organisation_id=data["organisation"].pk,
            name=data["name"],
            scope=data["scope"],
        ),
    )
    if done:
        new_token, new_secret = done.outcome
        form = NewTokenForm(organisations=organisations)
    tokens = (
        ApiToken.objects.filter(organisation__in=organisations)
        .select_related("organisation", "created_by")
        .order_by("organisation__name", "revoked_at", "-created_at", "-pk")
    )
    context = {
        "organisations": organisations,
        "tokens": list(tokens),
        "form": form,
        **form_errors(form),
        "new_token": new_token,
        "new_secret": new_secret,
    }
    return render(request, "people/api_tokens.html", context)


@never_cache
@login_required
def revoke_api_token(request: HttpRequest, token_id: int) -> HttpResponse:
    """The check step ("are you sure?") and, on POST, the revoking: at once and for good."""
    actor = Actor.for_web(request)
    organisations = _organisations_or_404(actor)
    token = (
        ApiToken.objects.filter(pk=token_id, organisation__in=organisations)
        .select_related("organisation")
        .first()
    )
    if token is None:
        raise Http404
    if request.method == "POST":
        return confirm(
            request,
            lambda: actions.revoke_api_token(actor, token_id=token.pk),
            success=_("You revoked the token “%(name)s”. Systems using it can no longer connect.")
            % {"name": token.name},
            redirect_to=reverse("people:api-tokens"),
        )
    return render(request, "people/revoke_api_token.html", {"token": token})
