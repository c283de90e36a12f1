"""Evidence sources, one package each. ``EvidenceSet`` is what the rules receive."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from privaudit.evidence.apk.facts import StaticEvidence


@dataclass(slots=True)
class EvidenceSet:
    """Everything known about one app. A rule reads it; it never reads files itself."""

    static: StaticEvidence | None = None
    policy: Any | None = None
    traces: list[Any] = field(default_factory=list)
    network: list[Any] = field(default_factory=list)
    ui: list[Any] = field(default_factory=list)
    requests: Any | None = None
    review: Any | None = None
    app_type: dict[str, Any] | None = None  # entry of catalog/app_types.json
    timeline: Any | None = None  # evidence.timeline.Timeline, built from traces and network captures

    def supplied(self) -> set[str]:
        """Evidence letters (S P R N U L M) present in this set."""
        present = {
            "S": self.static is not None,
            "P": self.policy is not None and bool(self.policy.document.text.strip()),
            "R": bool(self.traces),
            "N": bool(self.network),
            "U": bool(self.ui),
            "L": self.requests is not None,
            "M": self.review is not None,
        }
        return {k for k, v in present.items() if v}
