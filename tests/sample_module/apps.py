"""A module that exists only in the tests: it adds itself to the platform through its manifest
alone, as every real module must (tests/test_module_manifest.py)."""

from coproduce import modules
from coproduce.modules import (
    DemoStep,
    HomeTileSpec,
    ModuleManifest,
    Navigation,
    PeriodicTask,
)


def person_section(actor, view, access) -> dict:
    """What the sample module knows about the person, for its section of their record."""
    return {"count": 3}


def demo_step(**_) -> None:
    DEMO_RUNS.append("ran")


DEMO_RUNS: list[str] = []


class SampleModuleConfig(modules.ModuleConfig):
    name = "tests.sample_module"
    label = "sample_module"

    def manifest(self) -> ModuleManifest:
        from coproduce import registry
        from coproduce.people.models import RecordCategory
        from coproduce.web.tiles import CITIZEN, STAFF, Tile

        return ModuleManifest(
            name="sample",
            url_prefix="sample/",
            urlconf="tests.sample_module.urls",
            api_router="tests.sample_module.urls.router",
            api_prefix="/sample/",
            citizen_navigation=(Navigation("Sample for citizens", "sample:page", order=50),),
            staff_navigation=(Navigation("Sample for staff", "sample:page", order=50),),
            home_tiles=(
                HomeTileSpec(CITIZEN, lambda actor: Tile("Sample tile", "For citizens.")),
                HomeTileSpec(STAFF, lambda actor: Tile("Sample staff tile", "For staff.")),
            ),
            person_page_links=(
                registry.PersonPageLink(text="Sample for this person", url_name="sample:person"),
            ),
            person_sections=(
                registry.PersonSection(
                    name="sample",
                    heading="Sample section",
                    category=RecordCategory.HEALTH,
                    template="sample_module/person_section.html",
                    context=person_section,
                    audit_as="sample notes",
                    order=15,
                ),
                # In a category the probe's staff have no basis in: never shown to them.
                registry.PersonSection(
                    name="sample-education",
                    heading="Sample education section",
                    category=RecordCategory.EDUCATION,
                    template="sample_module/hidden_section.html",
                    context=person_section,
                    audit_as="sample education notes",
                    order=16,
                ),
            ),
            demo=DemoStep(demo_step, order=90),
            periodic_tasks=(PeriodicTask("sample-every-minute", "sample.task", 60),),
            public_views=("sample:page",),
        )
