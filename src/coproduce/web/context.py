from django.conf import settings
from django.urls import reverse

from coproduce import modules, registry
from coproduce.people.access import Actor
from coproduce.people.models import Person


def site(request):
    """What every page's layout needs: the service's name and what to put in its navigation."""
    user = getattr(request, "user", None)

    def has_own_record() -> bool:
        # Called by the template only when it is needed (signed-in pages).
        return bool(user and user.is_authenticated and Person.objects.filter(user=user).exists())

    def citizen_navigation() -> list[tuple[str, str]]:
        return [(reverse(url_name), text) for text, url_name in registry.citizen_navigation()]

    # One actor for the header: its roles are read once, for both questions.
    actor = Actor(user=user)

    def is_staff_member() -> bool:
        return bool(user and user.is_authenticated and actor.is_staff_member)

    def staff_navigation() -> list[tuple[str, str]]:
        return [(reverse(link.url_name), link.text) for link in modules.staff_navigation(actor)]

    return {
        "service_name": settings.SITE_NAME,
        "has_own_record": has_own_record,
        "citizen_navigation": citizen_navigation,
        "is_staff_member": is_staff_member,
        "staff_navigation": staff_navigation,
    }
