"""Compliance statistics, kept incrementally (being written: see the statistics helper)."""

from .models import Pathway, PathwayEvent, StageRecord


def apply_change(
    old_records: list[StageRecord],
    new_records: list[StageRecord],
    events_before: list[PathwayEvent],
    events_after: list[PathwayEvent],
    pathway: Pathway,
) -> None:
    """Move the statistics cells from the pathway's old stage records to its new ones."""
