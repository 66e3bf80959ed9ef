"""The one way a page's form changes something, GOV.UK's pattern: the form checks what was
typed, the action (the module's actions.py) decides and makes the change, a refusal is shown on
the fields it names with nothing changed, and success is a banner on the page the person is
sent to (Post/Redirect/Get, so reloading never sends the form twice).

    form = OfferForm(posted(request), ...)
    done = submit(
        request,
        form,
        lambda data: actions.offer_care_elsewhere(actor, right_id=..., **data),
        success=lambda right: _("... offered an appointment at %(provider)s ...") % {...},
        redirect_to=lambda right: worklist_url(right),
    )
    if done:
        return done
    return render(request, "guarantees/offer.html", {..., **form_errors(form)})

A check step's button ("Yes, take back consent") has no fields: `confirm` calls its action,
and either way sends the person back, with the success banner or the refusal.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect

from coproduce.errors import ActionError

Outcome = TypeVar("Outcome")
# A text, or the text made from what the action returned.
Said = str | Callable[[Any], str]


def posted(request: HttpRequest) -> QueryDict | None:
    """The form's data on a POST; None (an unbound form, no errors) on a GET."""
    return request.POST if request.method == "POST" else None


@dataclass(frozen=True)
class Done:
    """The action made its change; `outcome` is what it returned."""

    outcome: Any


def act(request: HttpRequest, form, action: Callable[[dict], Outcome]) -> Done | None:
    """On a POST whose form is valid, `action(form.cleaned_data)`. None when there is nothing
    done: a GET, input the form refuses, or an ActionError (placed on the fields it names by
    GovukErrorsMixin.add_action_error; an action that refuses changes nothing)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return Done(action(form.cleaned_data))
    except ActionError as error:
        form.add_action_error(error)
        return None


def submit(
    request: HttpRequest,
    form,
    action: Callable[[dict], Outcome],
    *,
    success: Said | None,
    redirect_to: Said,
) -> HttpResponse | None:
    """`act`, then, when done, the success banner (none if `success` is None) and the
    redirect. None otherwise: the view shows its page again, with the form's errors."""
    done = act(request, form, action)
    if done is None:
        return None
    if success is not None:
        messages.success(request, _said(success, done.outcome))
    return redirect(_said(redirect_to, done.outcome))


def confirm(
    request: HttpRequest, action: Callable[[], Outcome], *, success: Said, redirect_to: str
) -> HttpResponse:
    """A check step's button: `action()`, then back to `redirect_to` with the success banner,
    or with the refusal as an error banner (there is no field to put it on)."""
    try:
        outcome = action()
    except ActionError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _said(success, outcome))
    return redirect(redirect_to)


def form_errors(*forms) -> dict[str, Any]:
    """For the page's context: the error summary's links (`errors`, in the order of the
    forms and their fields) and `has_errors` (the page's title then starts "Error:")."""
    errors = [link for form in forms if form.is_bound for link in form.error_summary()]
    return {"errors": errors, "has_errors": bool(errors)}


def _said(said: Said, outcome: Any) -> str:
    return said(outcome) if callable(said) else said
