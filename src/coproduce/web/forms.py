"""Forms for the website, and what every form needs to follow the GOV.UK error pattern: an
error summary at the top of the page linking to each field with a problem."""

from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from coproduce.errors import ActionError


class GovukErrorsMixin:
    """For a Django form whose fields have ids equal to their names (auto_id="%s").

    `error_anchors` names, for fields whose first input is not the field's own id (radios,
    date inputs), the id the error summary links to.
    """

    error_anchors: dict[str, str] = {}
    # Where an action's field names differ from the form's (organisation_id -> organisation).
    action_fields: dict[str, str] = {}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "%s")
        super().__init__(*args, **kwargs)

    def anchor_for(self, name: str) -> str:
        if name in self.error_anchors:
            return self.error_anchors[name]
        field = self[name]
        return field.auto_id

    def error_summary(self) -> list[dict[str, str]]:
        """Every error, in the order the fields appear, as links for the error summary."""
        first_field = next(iter(self.fields))
        summary = [
            {"href": f"#{self.anchor_for(first_field)}", "text": message}
            for message in self.non_field_errors()
        ]
        for name in self.fields:
            for message in self.errors.get(name, []):
                summary.append({"href": f"#{self.anchor_for(name)}", "text": message})
        return summary

    def add_action_error(self, error: ActionError) -> None:
        """Show an action's refusal on the fields it names (or above the form)."""
        placed = False
        for name, messages in error.fields.items():
            field = self.action_fields.get(name, name)
            if field in self.fields:
                for message in messages:
                    self.add_error(field, message)
                placed = True
        if not placed:
            self.add_error(None, error.message)


class SignInForm(GovukErrorsMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": _("The username or password is not right. Check them and try again."),
        "inactive": _(
            "This sign-in has been switched off. Ask your organisation's administrator for help."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")
        self.fields["password"].strip = False
