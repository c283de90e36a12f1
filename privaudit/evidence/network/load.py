"""Open a network capture of any supported kind, chosen by its content (not its file name)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from privaudit.errors import InputError
from privaudit.evidence.network.har import read_har
from privaudit.evidence.network.pcap import PCAP_MAGICS, PCAPNG_MAGIC, read_pcap
from privaudit.evidence.network.pi_match import PiMatcher
from privaudit.evidence.runtime.model import Capture


def load_capture(path: str | os.PathLike[str], matcher: PiMatcher | None = None, *,
                 first_party: Iterable[str] = ()) -> Capture:
    """A HAR (JSON), pcap or pcapng file as a ``Capture``; anything else is an ``InputError``."""
    p = os.fspath(path)
    try:
        with open(p, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        raise InputError(f"cannot read capture: {e.strerror or e}", p) from None
    if not head.strip():
        raise InputError("empty file, not a network capture", p)
    if head[:4] in PCAP_MAGICS or head[:4] == PCAPNG_MAGIC:
        return read_pcap(p, matcher, first_party=first_party)
    text = head[3:] if head.startswith(b"\xef\xbb\xbf") else head
    if text.lstrip()[:1] == b"{":
        return read_har(p, matcher, first_party=first_party)
    raise InputError("not a network capture: neither a HAR (JSON) nor a pcap/pcapng file", p)
