"""What a privacy policy says, as records with character offsets into its normalised text.

``PolicyDocument`` is the read text and its structure; ``PolicyEvidence`` adds what the
analysis finds in it. Every record carries ``start``/``end`` offsets into ``PolicyDocument.text``
so a finding can quote the exact sentence; ``provenance()`` turns a span into report provenance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from privaudit.model import Provenance

# The fixed segment vocabulary (other tools and reports rely on these names).
CATEGORIES = (
    "collection", "third_party_sharing", "user_rights", "retention", "security", "policy_change",
    "withdraw_consent", "personalisation_opt_out", "minors", "contact", "cross_border", "sdk_list",
    "permission_list", "complaint_channel",
)


@dataclass(slots=True, eq=False)
class Block:
    """A unit of layout: heading, paragraph, list item or table row (cells joined by tabs)."""

    kind: str  # heading | paragraph | list_item | table_row
    start: int
    end: int
    level: int = 0  # heading level (1 = top); list nesting depth
    cells: list[tuple[int, int]] = field(default_factory=list)  # (start, end) of each cell of a table row


@dataclass(slots=True, eq=False)
class Section:
    heading: str
    level: int
    start: int  # the heading's start
    end: int  # where the next heading of the same or a higher level starts


@dataclass(slots=True, eq=False)
class Sentence:
    start: int
    end: int
    block: int  # index into PolicyDocument.blocks


@dataclass(slots=True, eq=False)
class PolicyDocument:
    path: str
    text: str  # normalised text: blocks separated by "\n"
    source_format: str  # html | text | markdown | pdf
    encoding: str | None
    language: str  # zh | en | other | none
    simplified_chinese: bool  # Simplified Chinese text is present
    traditional_only: bool  # Chinese text present but only in Traditional characters
    blocks: list[Block] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    sha256: str | None = None
    notes: list[str] = field(default_factory=list)  # e.g. "PDF has no text layer (scanned?)"

    def span(self, start: int, end: int) -> str:
        return self.text[start:end]

    def provenance(self, start: int, end: int | None = None) -> Provenance:
        """Report provenance for a span: the offset, and the sentence text as locator."""
        end = start if end is None else end
        quote = self.text[start:end].strip().replace("\n", " ")
        if len(quote) > 160:
            quote = quote[:157] + "…"
        return Provenance("policy", self.path, None, start, quote or None)

    def section_of(self, offset: int) -> Section | None:
        best = None
        for s in self.sections:
            if s.start <= offset < s.end and (best is None or s.level >= best.level):
                best = s
        return best


@dataclass(slots=True, eq=False)
class Segment:
    """A paragraph-sized piece of the policy with its categories (from CATEGORIES)."""

    start: int
    end: int
    categories: list[str] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class PiMention:
    pi_type: str  # id from catalog/pi_types.json
    surface: str  # the words in the text
    start: int
    end: int


@dataclass(slots=True, eq=False)
class Practice:
    """Who does what to which PI, why and when, as one sentence declares it."""

    actor: str  # "first_party", or a third party's name
    sdk_id: str | None  # catalogue id when the actor is a known SDK
    action: str  # collect | use | share | entrust | transfer | disclose
    pi_types: list[str]
    purpose: str | None
    condition: str | None  # e.g. "仅在您使用X功能时", "经您单独同意"
    sensitive: bool  # any of the PI types is sensitive PI
    open_list: bool  # the list of PI is open-ended (等/例如/包括但不限于)
    start: int  # the sentence
    end: int
    negated: bool = False  # "we do not collect/share …"


@dataclass(slots=True, eq=False)
class SdkDisclosure:
    """One row of a third-party SDK list (第三方SDK清单) or a sentence naming an SDK."""

    name: str
    sdk_id: str | None
    company: str | None
    purpose: str | None
    pi_types: list[str]
    policy_url: str | None
    start: int
    end: int


@dataclass(slots=True, eq=False)
class PermissionDisclosure:
    permission: str  # Android permission name where resolvable, else the words used
    purpose: str | None
    start: int
    end: int


@dataclass(slots=True, eq=False)
class PolicyEvidence:
    document: PolicyDocument
    segments: list[Segment] = field(default_factory=list)
    mentions: list[PiMention] = field(default_factory=list)
    practices: list[Practice] = field(default_factory=list)
    sdk_disclosures: list[SdkDisclosure] = field(default_factory=list)
    permission_disclosures: list[PermissionDisclosure] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)  # statements the item checks use (see analyse.py)

    def segments_with(self, category: str) -> list[Segment]:
        return [s for s in self.segments if category in s.categories]
