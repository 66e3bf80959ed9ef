"""One way to list records about people, for pages and the API alike: a bounded page, the
count, the audit of the people shown and a budget of database queries.

A list of names is a look at each record in it, so every list of people goes through
`page_for_site` or `page_for_api`, which write one audit row per person shown (or, for a list
inside one person's record, one look at that record). Each marks the request
(`lists_on(request)`); tests/test_list_routes.py walks the site's and the API's routes and fails
for a list that shows people without the mark.
"""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query

from coproduce.people.access import Access, Actor, audit_look
from coproduce.people.models import Person
from coproduce.people.queries import audit_listing

logger = logging.getLogger(__name__)

# An API page's bounds (`limit: Limit = API_LIMIT, offset: Offset = 0`): beyond them the
# request is refused (400) with field messages.
API_LIMIT = 25
MAX_OFFSET = 1_000_000
Limit = Annotated[int, Query(API_LIMIT, ge=1, le=100)]
Offset = Annotated[int, Query(0, ge=0, le=MAX_OFFSET)]

# A page costs the same few queries however long it is: one that needs more is reading row
# by row (a missing select_related), which is logged, and which the route walk refuses.
QUERY_BUDGET = 12


@dataclass(frozen=True)
class PeopleShown:
    """A list of many people's records: one READ row for each person on the page."""

    what: str | Callable[[Person], str]
    why: str = "Listed in the organisation's caseload"
    person: Callable[[Any], Person] = lambda row: row


@dataclass(frozen=True)
class RecordShown:
    """A list inside one person's record (their messages): one look at that record."""

    access: Access
    what: str


@dataclass(frozen=True)
class Listed:
    """What one list on a request showed, for the route walk."""

    people: int
    queries: int


@contextmanager
def _counting_queries() -> Iterator[list[int]]:
    counted = [0]

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield counted


def lists_on(request: HttpRequest) -> list[Listed]:
    """The lists of people this request showed through this module."""
    return getattr(request, "_coproduce_lists", [])


def _show(
    request: HttpRequest,
    actor: Actor,
    rows: list,
    shown: PeopleShown | RecordShown,
    queries: int,
) -> None:
    if isinstance(shown, RecordShown):
        audit_look(actor, shown.access, what=shown.what)
        people = 1
    else:
        by_pk = {person.pk: person for person in map(shown.person, rows)}
        by_what: dict[str, list[Person]] = {}
        for person in by_pk.values():
            what = shown.what(person) if callable(shown.what) else shown.what
            by_what.setdefault(what, []).append(person)
        for what, group in by_what.items():
            audit_listing(actor, group, what=what, why=shown.why)
        people = len(by_pk)
    if queries > QUERY_BUDGET:
        logger.warning("A list of %s rows took %s queries", len(rows), queries)
    request._coproduce_lists = [*lists_on(request), Listed(people=people, queries=queries)]


def page_for_site(
    request: HttpRequest,
    actor: Actor,
    found: QuerySet,
    shown: PeopleShown | RecordShown,
    *,
    per_page: int,
    parameter: str = "page",
) -> Page:
    """The page of `found` named by the `parameter` query value (the first or last page when
    it names none), its people audited. Link to the others with web.pagination.page_links."""
    with _counting_queries() as counted:
        page = Paginator(found, per_page).get_page(request.GET.get(parameter))
        page.object_list = list(page.object_list)
        _show(request, actor, page.object_list, shown, counted[0])
    return page


def page_for_api(
    request: HttpRequest,
    actor: Actor,
    found: QuerySet,
    shown: PeopleShown | RecordShown,
    *,
    limit: int,
    offset: int,
    row: Callable[[Any], Any] = lambda row: row,
) -> dict:
    """{"count", "results"}: `limit` rows of `found` from `offset` (bounded by Limit and
    Offset), each shaped by `row`, their people audited."""
    with _counting_queries() as counted:
        rows = list(found[offset : offset + limit])
        answer = {"count": found.count(), "results": [row(item) for item in rows]}
        _show(request, actor, rows, shown, counted[0])
    return answer
