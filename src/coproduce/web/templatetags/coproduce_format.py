"""How values are written for people to read, the same on every page."""

from django import template

from coproduce.people.identifiers import spaced_nhs_number

register = template.Library()


@register.filter
def nhs_number(value: str | None) -> str:
    return spaced_nhs_number(value) if value else ""
