"""The public compliance statistics pages: waiting times against each guarantee, per provider
and per place, month by month. No sign-in; nothing about any one person.

The figures come from guarantees.compliance (the read path that open data also uses), which
returns raw counts; coproduce.disclosure decides what is shown. How a provider performs is not
about any one person, so figures per provider are published in full, as NHS England publishes
waiting times per provider and specialty. Places where people live can be small: their figures
follow the small-numbers rule of the scheme's country (England's: 1 to 7 hidden, the rest
rounded to 5; Sweden's: under 5 hidden), with a count hidden too wherever a hidden one could be
worked out from a total beside it. A month without waits is shown as "none", never as 0%.

Mounted by guarantees.urls at /waits/statistics/ (`statistics_urlpatterns`).
"""

from dataclasses import dataclass
from datetime import date
from functools import cached_property

from django.db.models import Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coproduce import disclosure
from coproduce.people.models import Organisation

from . import compliance
from .forms import StatisticsFilterForm
from .models import CompletedCell, Dimension, Scheme, SchemeStage
from .rules import ExclusionKind, LimitUnit

MONTHS = 13

PAUSE_LABELS = {
    ExclusionKind.PATIENT: gettext_lazy("Patient-chosen wait"),
    ExclusionKind.MEDICAL: gettext_lazy("Medical reason"),
    ExclusionKind.EXAMINATION: gettext_lazy("Examinations"),
}

# The chart: a fixed coordinate system; the SVG scales to its column.
CHART_WIDTH = 520
CHART_HEIGHT = 250
CHART_LEFT = 50  # room for the percentage labels
CHART_TOP = 12
CHART_BOTTOM = 44  # room for the month labels
CHART_RIGHT = 8


# --- small numbers, as shown -----------------------------------------------------------------

# A provider's performance is published in full; places follow their country's rule.
PROVIDER_RULE = disclosure.FULL


def place_rule(scheme: Scheme) -> disclosure.Rule:
    return disclosure.rule_for_country(scheme.country)


def show_count(count: int | None) -> str:
    """A count as `disclosure` published it (None: hidden)."""
    if count is None:
        return _("hidden")
    return f"{count:,}"


def show_percent(part: int, base: int, rule: disclosure.Rule) -> str:
    """`part` of `base` as a share, shown when the rule shows figures worked out from `base`;
    never rounded up to 100% or down to 0%."""
    if base == 0:
        return _("none")
    if not rule.shows_figure_from(base):
        return _("hidden")
    share = 100 * part / base
    whole = round(share)
    if whole == 100 and share < 100:
        return _("over 99%")
    if whole == 0 and share > 0:
        return _("under 1%")
    return f"{whole}%"


def show_days(days: float | None, base: int, rule: disclosure.Rule) -> str:
    if base == 0 or days is None:
        return _("none")
    if not rule.shows_figure_from(base):
        return _("hidden")
    return f"{days:g}"


def rule_words(rule: disclosure.Rule) -> str:
    """The rule for places, in the words of the page's "How these figures are counted"."""
    if rule.hide_up_to == 0:
        return _("Figures by where people live are published in full.")
    words = _(
        "To protect people's privacy, figures by where people live do not show counts from 1 "
        "to %(up_to)d, or shares, medians and percentiles worked out from fewer than "
        "%(threshold)d waits."
    ) % {"up_to": rule.hide_up_to, "threshold": rule.threshold}
    if rule.round_to > 1:
        words += " " + _("Other counts are rounded to the nearest %(step)d.") % {
            "step": rule.round_to
        }
    return words


# --- what was asked for --------------------------------------------------------------------


@dataclass
class Choice:
    """The scheme, stage and month shown, from the query string (defaults if missing or not
    known: a filter form on a public page never fails)."""

    schemes: list[Scheme]
    scheme: Scheme | None
    stages: list[SchemeStage]
    stage: SchemeStage | None
    months: list[date]
    month: date
    today: date

    @property
    def unit_words(self) -> str:
        if self.stage is not None and self.stage.unit == LimitUnit.WORKING_DAYS:
            return _("working days")
        return _("days")

    @property
    def limit_words(self) -> str:
        if self.stage is None:
            return ""
        if self.stage.unit == LimitUnit.WEEKS:
            return _("%(weeks)d weeks (%(days)d days)") % {
                "weeks": self.stage.limit,
                "days": self.stage.limit * 7,
            }
        return f"{self.stage.limit} {self.unit_words}"

    @cached_property
    def form(self) -> StatisticsFilterForm:
        """The filters, drawn with this choice chosen."""
        return StatisticsFilterForm(self)

    def query(self, **changes) -> str:
        values = {
            "scheme": self.scheme.code if self.scheme else "",
            "stage": self.stage.code if self.stage else "",
            "month": self.month.strftime("%Y-%m"),
        }
        return urlencode(values | changes)


def read_choice(request: HttpRequest) -> Choice:
    today = timezone.localdate()
    schemes = list(Scheme.objects.order_by("family", "effective_from"))
    wanted = request.GET.get("scheme", "")
    scheme = next((s for s in schemes if s.code == wanted), None)
    if scheme is None:
        scheme = _busiest_scheme(schemes, today)
    stages = list(SchemeStage.objects.filter(scheme=scheme).order_by("position")) if scheme else []
    wanted = request.GET.get("stage", "")
    stage = next((s for s in stages if s.code == wanted), stages[0] if stages else None)
    months = list(
        reversed(compliance.months_between(compliance.window_start(today, MONTHS), today))
    )
    wanted = request.GET.get("month", "")
    month = next((m for m in months if m.strftime("%Y-%m") == wanted), None)
    if month is None:
        month = months[1] if len(months) > 1 else months[0]  # the last full month
    return Choice(schemes, scheme, stages, stage, months, month, today)


def _busiest_scheme(schemes: list[Scheme], today: date) -> Scheme | None:
    """The scheme in effect with the most waits ended in the last 13 months (read from the
    month total rows), or the first in effect."""
    in_effect = [s for s in schemes if s.in_effect_on(today)] or schemes
    if not in_effect:
        return None
    # By scheme and stage, so that each is a range of the cells' key index.
    stages = Q()
    for scheme_id, stage in SchemeStage.objects.filter(scheme__in=in_effect).values_list(
        "scheme_id", "code"
    ):
        stages |= Q(scheme_id=scheme_id, stage=stage)
    if not stages:
        return in_effect[0]
    ended = dict(
        CompletedCell.objects.filter(
            stages,
            dimension=Dimension.PROVIDER,
            service=compliance.ALL_SERVICES,
            month__gte=compliance.window_start(today, MONTHS),
            outcome=compliance.MEASURED,
            days_waited=compliance.ALL_DAYS,
        )
        .order_by()
        .values_list("scheme_id")
        .annotate(n=Sum("count"))
    )
    return max(in_effect, key=lambda s: (ended.get(s.pk, 0), -in_effect.index(s)))


def month_name(month: date, today: date) -> str:
    name = date_format(month, "F Y")
    if month == compliance.month_of(today):
        return _("%(month)s (so far)") % {"month": name}
    return name


def _url(request: HttpRequest, name: str, *args) -> str:
    namespace = request.resolver_match.namespace if request.resolver_match else ""
    return reverse(f"{namespace}:{name}" if namespace else name, args=args)


# --- rows, as the tables show them -----------------------------------------------------------


def completed_row(figures: compliance.CompletedFigures, rule: disclosure.Rule, **extra) -> dict:
    base = figures.completed
    # No total is published beside these counts, so each is shown or hidden on its own.
    count = rule.published
    return {
        "code": figures.unit_code,
        "name": figures.unit_name,
        "month": figures.month,
        "completed": show_count(count(base)),
        "within": show_percent(figures.met, base, rule),
        "median": show_days(figures.median_days, base, rule),
        "percentile": show_days(figures.percentile_92_days, base, rule),
        "lapsed": show_count(count(figures.lapsed)),
        "nullified": show_count(count(figures.nullified)),
        "patient_count": show_count(count(figures.patient_count)),
        "patient_days": show_days(figures.patient_days, figures.patient_count, rule),
        "medical_count": show_count(count(figures.medical_count)),
        "medical_days": show_days(figures.medical_days, figures.medical_count, rule),
        **extra,
    }


def waiting_row(figures: compliance.WaitingFigures, rule: disclosure.Rule, **extra) -> dict:
    """The waits by band add up to the total waiting, and so do those over and within the
    limit (the share within is shown; its count is not, but it is a part all the same)."""
    bands = [("band", index) for index in range(len(figures.bands))]
    cells = dict(zip(bands, figures.bands, strict=True)) | {
        "waiting": figures.waiting,
        "over": figures.over_limit,
        "within": figures.within_limit,
    }
    shown = disclosure.publish_table(
        rule,
        cells,
        [
            disclosure.Group("waiting", tuple(bands)),
            disclosure.Group("waiting", ("over", "within")),
        ],
    )
    base = figures.waiting
    row = {
        "code": figures.unit_code,
        "name": figures.unit_name,
        "bands": [show_count(shown[band]) for band in bands],
        "waiting": show_count(shown["waiting"]),
        "over_limit": show_count(shown["over"]),
        "within": show_percent(figures.within_limit, base, rule),
        "median": show_days(figures.median_days, base, rule),
        "percentile": show_days(figures.percentile_92_days, base, rule),
        "paused": [show_count(rule.published(figures.paused_by(kind))) for kind in PAUSE_LABELS],
        **extra,
    }
    # Each value with its column's name, which a phone shows beside it (stacked rows).
    row["labelled_bands"] = list(
        zip([band.label for band in compliance.BANDS], row["bands"], strict=True)
    )
    row["labelled_paused"] = list(zip(PAUSE_LABELS.values(), row["paused"], strict=True))
    return row


def contact_row(figures: compliance.ContactFigures) -> dict:
    """Per practice: a provider's performance, in full."""
    return {
        "name": figures.provider_name,
        "contacts": show_count(PROVIDER_RULE.published(figures.contacts)),
        "answered": show_count(PROVIDER_RULE.published(figures.answered_same_day)),
        "share": show_percent(figures.answered_same_day, figures.contacts, PROVIDER_RULE),
    }


def chart(months: list[compliance.CompletedFigures], rule: disclosure.Rule) -> dict:
    """A bar chart of the share within the limit by month, as SVG coordinates. A month whose
    share is not shown (no waits, or hidden) has no bar but a label saying so, so that it is
    never read as 0%; a share of 0% is labelled too."""
    plot_width = CHART_WIDTH - CHART_LEFT - CHART_RIGHT
    plot_height = CHART_HEIGHT - CHART_TOP - CHART_BOTTOM
    slot = plot_width / max(1, len(months))
    bars = []
    for index, figures in enumerate(months):
        share = figures.within_limit_percent
        shown = share is not None and rule.shows_figure_from(figures.completed)
        height = plot_height * share / 100 if shown else 0
        x = CHART_LEFT + index * slot
        bars.append(
            {
                "x": round(x + slot * 0.15, 1),
                "width": round(slot * 0.7, 1),
                "y": round(CHART_TOP + plot_height - height, 1),
                "height": round(height, 1),
                "shown": shown,
                "note": show_percent(figures.met, figures.completed, rule)
                if not shown or height == 0
                else "",
                "label_x": round(x + slot / 2, 1),
                "label": date_format(figures.month, "M"),
                "year": date_format(figures.month, "Y")
                if index == 0 or figures.month.month == 1
                else "",
            }
        )
    gridlines = [
        {"y": round(CHART_TOP + plot_height * (1 - value / 100), 1), "label": f"{value}%"}
        for value in (0, 25, 50, 75, 100)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "left": CHART_LEFT,
        "right": CHART_WIDTH - CHART_RIGHT,
        "note_y": CHART_TOP + plot_height - 8,
        "label_y": CHART_HEIGHT - CHART_BOTTOM + 19,
        "year_y": CHART_HEIGHT - CHART_BOTTOM + 37,
        "bars": bars,
        "gridlines": gridlines,
    }


# --- pages ---------------------------------------------------------------------------------


def statistics_page(request: HttpRequest) -> HttpResponse:
    """Every provider and place for a scheme's stage: waits completed in a month, waits still
    open today by how long, and (for schemes with the same-day promise) contacts answered the
    same day."""
    choice = read_choice(request)
    context = {"choice": choice, "month_name": month_name(choice.month, choice.today)}
    if choice.scheme is None or choice.stage is None:
        return render(request, "guarantees/statistics.html", context)
    scheme, stage, today = choice.scheme.code, choice.stage.code, choice.today
    by_provider = compliance.provider_month_summary(scheme, stage, as_of=today, months=MONTHS)
    by_place = compliance.locality_month_summary(scheme, stage, as_of=today, months=MONTHS)
    places = place_rule(choice.scheme)
    provider_urls = {
        figures.unit_code: _url(request, "statistics-provider", figures.unit_code)
        + "?"
        + choice.query()
        for figures in by_provider
    }
    context |= stage_context(choice)
    context |= {
        "rule_words": rule_words(places),
        "providers": [
            completed_row(f, PROVIDER_RULE, url=provider_urls[f.unit_code])
            for f in by_provider
            if f.month == choice.month
        ],
        "places": [completed_row(f, places) for f in by_place if f.month == choice.month],
        "waiting_providers": [
            waiting_row(f, PROVIDER_RULE, url=provider_urls.get(f.unit_code))
            for f in compliance.still_waiting(scheme, stage, as_of=today)
        ],
        "waiting_places": [
            waiting_row(f, places)
            for f in compliance.still_waiting(
                scheme, stage, as_of=today, dimension=Dimension.LOCALITY
            )
        ],
        "contacts": [
            contact_row(f)
            for f in compliance.same_day_contacts(as_of=today, months=MONTHS)
            if f.month == choice.month
        ]
        if _measures_same_day_contact(choice)
        else None,
    }
    return render(request, "guarantees/statistics.html", context)


def stage_context(choice: Choice) -> dict:
    """What the tables need to know about the stage: its unit and which columns apply."""
    stage = choice.stage
    return {
        "unit_words": choice.unit_words,
        "bands": compliance.BANDS,
        "pause_labels": list(PAUSE_LABELS.values()),
        "exclusions": bool(stage.exclusions),
        "show_lapsed": bool(stage.lapse_events or stage.lapse_on_repeat),
        "show_nullified": bool(stage.nullify_events),
    }


def _measures_same_day_contact(choice: Choice) -> bool:
    return compliance.CONTACT_ANSWERED_EVENT in (choice.scheme.extra_events or [])


def provider_statistics_page(request: HttpRequest, provider_code: str) -> HttpResponse:
    """One provider over 13 months: the share within the limit by month (a chart, and the same
    figures in a table), completed waits in detail, and who is waiting now."""
    provider = Organisation.objects.filter(code=provider_code).first()
    if provider is None:
        raise Http404(_("No provider has that code."))
    choice = read_choice(request)
    context = {"choice": choice, "provider": provider}
    if choice.scheme is not None and choice.stage is not None:
        scheme, stage, today = choice.scheme.code, choice.stage.code, choice.today
        months = compliance.provider_month_summary(
            scheme, stage, as_of=today, months=MONTHS, unit_code=provider.code
        )
        waiting = compliance.still_waiting(scheme, stage, as_of=today, unit_code=provider.code)
        context |= stage_context(choice)
        context |= {
            "has_figures": bool(months) or bool(waiting),
            "months": [
                completed_row(f, PROVIDER_RULE, month_name=month_name(f.month, today))
                for f in months
            ],
            "chart": chart(months, PROVIDER_RULE) if months else None,
            "waiting": bool(waiting),
            "waiting_rows": [waiting_row(figures, PROVIDER_RULE) for figures in waiting],
            "overview_url": _url(request, "statistics") + "?" + choice.query(),
        }
    return render(request, "guarantees/statistics_provider.html", context)


statistics_urlpatterns = [
    path("", statistics_page, name="statistics"),
    path("providers/<str:provider_code>/", provider_statistics_page, name="statistics-provider"),
]
