"""Plain records for UI evidence: widgets, screens, transitions, a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from privaudit.model import Provenance

# tap, back, scroll, input (text or a key other than BACK), start (the app launched by an intent), plus two
# kinds the brief's list lacks: auto (the screen changed with no input between two observations — loading,
# an animation, a dialog appearing; a DroidBot state file and the next event's start state) and unknown
# (two consecutive uiautomator dumps: some input happened, which one is not recorded).
Action = Literal["tap", "back", "scroll", "input", "start", "auto", "unknown"]


@dataclass(slots=True, eq=False)
class Widget:
    cls: str
    text: str | None = None
    desc: str | None = None
    rid: str | None = None
    bounds: tuple[int, int, int, int] | None = None  # left, top, right, bottom
    clickable: bool = False
    checkable: bool = False
    checked: bool = False

    @property
    def label(self) -> str | None:
        """Text, else content description."""
        if self.text and self.text.strip():
            return self.text
        if self.desc and self.desc.strip():
            return self.desc
        return None


@dataclass(slots=True, eq=False)
class Screen:
    id: str  # DroidBot state_str, or the dump's file name
    t: float | None
    activity: str | None
    package: str | None
    widgets: list[Widget]
    provenance: Provenance
    screenshot: str | None = None

    def texts(self) -> list[str]:
        return [w.label for w in self.widgets if w.label]


@dataclass(slots=True, eq=False)
class Transition:
    src: str
    dst: str
    action: Action
    widget: Widget | None
    t: float | None
    provenance: Provenance


@dataclass(slots=True, eq=False)
class UiRun:
    path: str
    screens: list[Screen] = field(default_factory=list)  # in the order first seen
    transitions: list[Transition] = field(default_factory=list)  # in time order
    notes: list[str] = field(default_factory=list)
    package: str | None = None

    def screen(self, sid: str) -> Screen | None:
        for s in self.screens:
            if s.id == sid:
                return s
        return None
