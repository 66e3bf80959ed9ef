"""Tiles on the homes: each module adds what it has to show a citizen or a member of staff.

A module registers a tile from its AppConfig.ready():

    from coproduce.web import tiles

    tiles.register_home_tile(
        "guarantees", tiles.CITIZEN, waits_tile, order=10
    )

where `waits_tile(actor)` returns a `Tile` (or None when it has nothing to show). The homes
read the registry; they never import a module by name.
"""

from collections.abc import Callable
from dataclasses import dataclass

from coproduce.people.access import Actor

CITIZEN = "citizen"
STAFF = "staff"


@dataclass(frozen=True)
class Tile:
    title: str
    text: str
    href: str = ""
    link_text: str = ""


@dataclass(frozen=True)
class HomeTile:
    name: str
    audience: str
    build: Callable[[Actor], Tile | None]
    order: int = 100


_home_tiles: dict[str, HomeTile] = {}


def register_home_tile(
    name: str, audience: str, build: Callable[[Actor], Tile | None], *, order: int = 100
) -> None:
    if audience not in {CITIZEN, STAFF}:
        raise ValueError(f"A home tile is for {CITIZEN!r} or {STAFF!r}, not {audience!r}.")
    _home_tiles[f"{audience}:{name}"] = HomeTile(name, audience, build, order)


def unregister_home_tile(name: str, audience: str) -> None:
    _home_tiles.pop(f"{audience}:{name}", None)


def tiles_for(audience: str, actor: Actor) -> list[Tile]:
    """The tiles every registered module has for this actor, in order."""
    found = []
    for tile in sorted(_home_tiles.values(), key=lambda tile: (tile.order, tile.name)):
        if tile.audience != audience:
            continue
        built = tile.build(actor)
        if built is not None:
            found.append(built)
    return found
