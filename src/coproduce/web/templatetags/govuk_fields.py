"""`{% govuk_field form.name label=... hint=... size=... heading=... %}`: a form field as its
GOV.UK component (web.forms.GovukBoundField), with what this page says of it: a label or
legend worded with the person's name, a hint, a size ("s", "m", "l", or "" for body text),
or a heading ("h1", "h2": the label or legend is the page's heading). Without any of these,
`{{ form.name.as_field_group }}` draws the same."""

from django import template

register = template.Library()


@register.simple_tag
def govuk_field(field, **page):
    return field.render(context=field.context(**page))
