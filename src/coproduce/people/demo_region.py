"""The places and organisations of Riverside, the demo region.

The codes look like the real ones (ONS area codes, NHS ODS codes, school URNs) but are
numbered from 9..., clear of every real code, so demo data is never mistaken for a real place.
"""

from dataclasses import dataclass

from .models import Locality, Organisation

Kind = Organisation.Kind


@dataclass(frozen=True)
class Place:
    code: str
    name: str
    parent_code: str | None = None
    # Neighbourhoods only: people per neighbourhood are drawn in proportion to this.
    population_weight: int = 0


REGION = Place("E12900001", "Riverside")
# A district's town is the last line of its residents' addresses.
DISTRICTS = (
    Place("E08900001", "Riverside City", REGION.code),
    Place("E07900002", "Northbank", REGION.code),
    Place("E07900003", "Eastmarsh", REGION.code),
    Place("E07900004", "Weir Vale", REGION.code),
)
TOWNS = {
    "E08900001": "Riverside",
    "E07900002": "Northbank",
    "E07900003": "Eastmarsh",
    "E07900004": "Weirford",
}
NEIGHBOURHOODS = (
    Place("E05900001", "Quayside", "E08900001", 9),
    Place("E05900002", "Old Town", "E08900001", 7),
    Place("E05900003", "Millbrook", "E08900001", 8),
    Place("E05900004", "St Anne's", "E08900001", 6),
    Place("E05900005", "Castlegate", "E08900001", 7),
    Place("E05900006", "Northbank Central", "E07900002", 7),
    Place("E05900007", "Hollins Park", "E07900002", 6),
    Place("E05900008", "Fairfield", "E07900002", 6),
    Place("E05900009", "Cotter's End", "E07900002", 4),
    Place("E05900010", "Eastmarsh Village", "E07900003", 5),
    Place("E05900011", "Saltings", "E07900003", 4),
    Place("E05900012", "Heron Reach", "E07900003", 4),
    Place("E05900013", "Weirford", "E07900004", 5),
    Place("E05900014", "Ashby Green", "E07900004", 4),
    Place("E05900015", "Lower Vale", "E07900004", 3),
)


@dataclass(frozen=True)
class Provider:
    code: str
    name: str
    kind: str
    locality_code: str
    parent_code: str | None = None
    # The neighbourhoods (GP practices, primary schools) or districts (hospitals, secondary
    # schools) whose residents it serves.
    serves: tuple[str, ...] = ()


COUNCIL_CODE = "RV-COUNCIL"
NHS_TRUST_CODE = "R9V"

ORGANISATIONS = (
    Provider(COUNCIL_CODE, "Riverside Council", Kind.COUNCIL, REGION.code),
    Provider(NHS_TRUST_CODE, "Riverside NHS Foundation Trust", Kind.NHS_TRUST, REGION.code),
    # Hospitals serve districts.
    Provider("R9V01", "Riverside General Hospital", Kind.HOSPITAL, "E05900002", NHS_TRUST_CODE,
             ("E08900001", "E07900003")),
    Provider("R9V02", "Northbank Community Hospital", Kind.HOSPITAL, "E05900006", NHS_TRUST_CODE,
             ("E07900002",)),
    Provider("R9V03", "Weir Vale Hospital", Kind.HOSPITAL, "E05900013", NHS_TRUST_CODE,
             ("E07900004",)),
    # GP practices serve neighbourhoods.
    Provider("Y90001", "Millbrook Surgery", Kind.GP_PRACTICE, "E05900003", None,
             ("E05900003", "E05900004")),
    Provider("Y90002", "Quayside Medical Centre", Kind.GP_PRACTICE, "E05900001", None,
             ("E05900001",)),
    Provider("Y90003", "Old Town Health Centre", Kind.GP_PRACTICE, "E05900002", None,
             ("E05900002", "E05900005")),
    Provider("Y90004", "Northbank Family Practice", Kind.GP_PRACTICE, "E05900006", None,
             ("E05900006",)),
    Provider("Y90005", "Hollins Park Surgery", Kind.GP_PRACTICE, "E05900007", None,
             ("E05900007",)),
    Provider("Y90006", "Fairfield Medical Practice", Kind.GP_PRACTICE, "E05900008", None,
             ("E05900008", "E05900009")),
    Provider("Y90007", "Eastmarsh Surgery", Kind.GP_PRACTICE, "E05900010", None,
             ("E05900010", "E05900011")),
    Provider("Y90008", "Heron Reach Health Centre", Kind.GP_PRACTICE, "E05900012", None,
             ("E05900012",)),
    Provider("Y90009", "Weirford Medical Centre", Kind.GP_PRACTICE, "E05900013", None,
             ("E05900013", "E05900015")),
    Provider("Y90010", "Ashby Green Surgery", Kind.GP_PRACTICE, "E05900014", None,
             ("E05900014",)),
    # Primary schools serve neighbourhoods; secondary schools serve districts.
    Provider("990001", "Quayside Primary School", Kind.SCHOOL, "E05900001", None,
             ("E05900001", "E05900005")),
    Provider("990002", "Millbrook Primary School", Kind.SCHOOL, "E05900003", None,
             ("E05900003", "E05900004")),
    Provider("990003", "Old Town Church of England Primary School", Kind.SCHOOL, "E05900002",
             None, ("E05900002",)),
    Provider("990004", "Hollins Park Primary School", Kind.SCHOOL, "E05900007", None,
             ("E05900006", "E05900007")),
    Provider("990005", "Fairfield Infant and Junior School", Kind.SCHOOL, "E05900008", None,
             ("E05900008", "E05900009")),
    Provider("990006", "Eastmarsh Primary School", Kind.SCHOOL, "E05900010", None,
             ("E05900010", "E05900011", "E05900012")),
    Provider("990007", "Weirford Primary School", Kind.SCHOOL, "E05900013", None,
             ("E05900013", "E05900015")),
    Provider("990008", "Ashby Green Primary School", Kind.SCHOOL, "E05900014", None,
             ("E05900014",)),
    Provider("990009", "Riverside Academy", Kind.SCHOOL, "E05900005", None, ("E08900001",)),
    Provider("990010", "Northbank High School", Kind.SCHOOL, "E05900006", None, ("E07900002",)),
    Provider("990011", "Eastmarsh Community College", Kind.SCHOOL, "E05900011", None,
             ("E07900003",)),
    Provider("990012", "Weir Vale School", Kind.SCHOOL, "E05900015", None, ("E07900004",)),
    # The community organisations serve anyone in the region.
    Provider("RV-MUT-01", "Riverside Care Co-operative", Kind.MUTUAL, "E05900005"),
    Provider("RV-MUT-02", "Riverside Community Health", Kind.MUTUAL, "E05900002"),
    Provider("RV-MUT-03", "Northbank Leisure Mutual", Kind.MUTUAL, "E05900006"),
    Provider("RV-MUT-04", "Eastmarsh Housing Co-operative", Kind.MUTUAL, "E05900010"),
    Provider("RV-ULO-01", "Riverside Disabled People's Forum", Kind.USER_LED, "E05900001"),
    Provider("RV-ULO-02", "Eastmarsh Carers' Voice", Kind.USER_LED, "E05900010"),
    Provider("RV-ULO-03", "Weir Vale Mental Health Peer Network", Kind.USER_LED, "E05900013"),
    Provider("RV-ULO-04", "Riverside Deaf Community Group", Kind.USER_LED, "E05900004"),
    Provider("RV-VOL-01", "Quayside Food Bank", Kind.VOLUNTARY_GROUP, "E05900001"),
    Provider("RV-VOL-02", "Friends of Weir Park", Kind.VOLUNTARY_GROUP, "E05900013"),
    Provider("RV-VOL-03", "Northbank Good Neighbours", Kind.VOLUNTARY_GROUP, "E05900006"),
    Provider("RV-VOL-04", "Riverside Befriending Scheme", Kind.VOLUNTARY_GROUP, "E05900003"),
    Provider("RV-VOL-05", "Castlegate Men's Shed", Kind.VOLUNTARY_GROUP, "E05900005"),
    Provider("RV-VOL-06", "Saltings Lunch Club", Kind.VOLUNTARY_GROUP, "E05900011"),
    Provider("RV-VOL-07", "Millbrook Toy Library", Kind.VOLUNTARY_GROUP, "E05900003"),
    Provider("RV-VOL-08", "Heron Reach Walking Group", Kind.VOLUNTARY_GROUP, "E05900012"),
    Provider("RV-VOL-09", "Lower Vale Community Transport", Kind.VOLUNTARY_GROUP, "E05900015"),
    Provider("RV-SOC-01", "Second Chance Cycles", Kind.SOCIAL_ENTERPRISE, "E05900002"),
    Provider("RV-SOC-02", "Riverside Community Café", Kind.SOCIAL_ENTERPRISE, "E05900001"),
    Provider("RV-SOC-03", "Fairfield Furniture Reuse", Kind.SOCIAL_ENTERPRISE, "E05900008"),
    Provider("RV-SOC-04", "Old Town Print Works", Kind.SOCIAL_ENTERPRISE, "E05900002"),
    Provider("RV-SOC-05", "Ashby Green Community Garden", Kind.SOCIAL_ENTERPRISE, "E05900014"),
    Provider("RV-SOC-06", "Quayside Laundry", Kind.SOCIAL_ENTERPRISE, "E05900001"),
)  # fmt: skip


# Where the places people are sent to are: hospitals, practices, the council and the trust
# (line 1 and the postcode; the town is the district's). The rest are given one from their
# neighbourhood (organisation_address). Postcodes are in the made-up "RV" area, numbered as
# the residents' are (RV1 is Quayside, the first neighbourhood).
ADDRESSES = {
    COUNCIL_CODE: ("Riverside Civic Centre, Castle Street", "RV5 1CC"),
    NHS_TRUST_CODE: ("Trust Headquarters, Infirmary Road", "RV2 3TH"),
    "R9V01": ("Infirmary Road", "RV2 3GH"),
    "R9V02": ("Ferry Lane", "RV6 2NB"),
    "R9V03": ("Mill Race Road", "RV13 4WV"),
    "Y90001": ("14 Millbrook Road", "RV3 4MS"),
    "Y90002": ("2 Harbour Walk", "RV1 2QM"),
    "Y90003": ("35 Market Street", "RV2 5HC"),
    "Y90004": ("8 Station Road", "RV6 1FP"),
    "Y90005": ("Hollins Park Avenue", "RV7 3SP"),
    "Y90006": ("61 Fairfield Lane", "RV8 2MP"),
    "Y90007": ("The Green", "RV10 1ES"),
    "Y90008": ("4 Reach Road", "RV12 2HC"),
    "Y90009": ("Bridge Street", "RV13 1MC"),
    "Y90010": ("Ashby Lane", "RV14 3GS"),
}


def organisation_address(provider: Provider) -> dict[str, str]:
    """The address fields of a demo organisation, in the town of its district; one that
    serves the whole region is at the civic centre's neighbourhood (Castlegate)."""
    numbers = {place.code: number for number, place in enumerate(NEIGHBOURHOODS, start=1)}
    number = numbers.get(provider.locality_code, 5)
    place = NEIGHBOURHOODS[number - 1]
    # Not a real address anywhere: a house number and the neighbourhood's name, stable
    # from the organisation's code so every demo run gives the same one.
    seed = sum(map(ord, provider.code))
    line, code = ADDRESSES.get(
        provider.code,
        (
            f"{seed % 90 + 1} {place.name} Road",
            f"RV{number} {seed % 10}{'ABDEFGHJLNPQRSTUWXYZ'[seed % 20]}{'ABDEFGHJLN'[seed % 10]}",
        ),
    )
    return {"address_line_1": line, "town": TOWNS[place.parent_code], "postcode": code}


def create_localities() -> dict[str, Locality]:
    """The region, its districts and their neighbourhoods, by code."""
    created: dict[str, Locality] = {}
    for kind, places in (
        (Locality.Kind.REGION, (REGION,)),
        (Locality.Kind.DISTRICT, DISTRICTS),
        (Locality.Kind.NEIGHBOURHOOD, NEIGHBOURHOODS),
    ):
        rows = Locality.objects.bulk_create(
            Locality(
                code=place.code,
                name=place.name,
                kind=kind,
                parent=created.get(place.parent_code),
            )
            for place in places
        )
        created |= {row.code: row for row in rows}
    return created


def create_organisations(localities: dict[str, Locality]) -> dict[str, Organisation]:
    """Every organisation, by code. Parents (the NHS trust) come before their children."""
    created: dict[str, Organisation] = {}
    for provider in ORGANISATIONS:
        created[provider.code] = Organisation.objects.create(
            code=provider.code,
            name=provider.name,
            kind=provider.kind,
            locality=localities[provider.locality_code],
            parent=created.get(provider.parent_code),
            **organisation_address(provider),
        )
    return created
