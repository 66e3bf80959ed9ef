"""Pagination links for any list: a page's links keep the rest of the query string, and a
page can hold several lists, each paged by its own query parameter."""

from dataclasses import dataclass

from django.core.paginator import Page
from django.http import HttpRequest


@dataclass(frozen=True)
class PageLinks:
    page: Page
    previous: str
    next: str
    numbers: list[dict]
    label: str


def page_links(
    request: HttpRequest, page: Page, *, label: str, parameter: str = "page"
) -> PageLinks:
    """Links for web/includes/pagination.html."""

    def href(number: int) -> str:
        query = request.GET.copy()
        query[parameter] = number
        return f"?{query.urlencode()}"

    numbers = []
    for number in page.paginator.get_elided_page_range(page.number):
        if number == page.paginator.ELLIPSIS:
            numbers.append({"ellipsis": True})
        else:
            numbers.append(
                {"number": number, "href": href(number), "current": number == page.number}
            )
    return PageLinks(
        page=page,
        previous=href(page.previous_page_number()) if page.has_previous() else "",
        next=href(page.next_page_number()) if page.has_next() else "",
        numbers=numbers,
        label=label,
    )
