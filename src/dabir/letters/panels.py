"""Panels that higher apps add to the letter page, registered when they start (AppConfig.ready()).

Letters knows nothing of the apps above it: the desk, for one, registers its staff panel with a
predicate that says whether a letter is one of its own (a service request's letter, a request's
result, a complaint), and the letter page renders every registered panel whose predicate holds.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .models import Letter


@dataclass(frozen=True)
class Panel:
    name: str
    applies: Callable[[Letter], bool]  # a real link from the letter to the panel's data, not a keyword
    template: str
    context: Callable[[Any, Letter], dict]  # (the page's template context, letter) -> the panel's context


_panels: dict[str, Panel] = {}


def register(name: str, *, applies: Callable[[Letter], bool], template: str,
             context: Callable[[Any, Letter], dict]) -> None:
    """Add (or replace, by name) a panel under the letter page's main columns."""
    _panels[name] = Panel(name, applies, template, context)


def panels_for(letter: Letter) -> list[Panel]:
    return [panel for panel in _panels.values() if panel.applies(letter)]
