"""Who a host belongs to: a catalogued SDK vendor, the app itself, another party, or unknown.

Registrable domains (``graph.facebook.com`` -> ``facebook.com``, ``a.b.com.cn`` -> ``b.com.cn``)
come from the Public Suffix List shipped inside the ``publicsuffixlist`` package (Mozilla Public
Suffix List, MPL-2.0; read offline, never downloaded at run time). Private suffixes count too, so
``x.cloudfront.net`` and ``y.github.io`` are each their own registrable domain, as they belong to
different tenants.

First-party domains are never guessed (a package name says nothing reliable about the domains an
app owns): the caller passes them, e.g. hosts found in the app's own code or given by the user.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import cache
from typing import Any

from privaudit.errors import InputError
from privaudit.evidence.attribution import sdk_index

FIRST_PARTY = "first_party"
THIRD_PARTY = "third_party"
UNKNOWN = "unknown"
UNKNOWN_VENDOR = "unknown vendor"


@cache
def _psl() -> Any:  # publicsuffixlist.PublicSuffixList, imported lazily
    try:
        from publicsuffixlist import PublicSuffixList
    except ImportError:
        raise InputError("host attribution needs the publicsuffixlist package: pip install publicsuffixlist") \
            from None
    return PublicSuffixList()


def normalise_host(host: str) -> str:
    """Lower case, no trailing dot, no port, no IPv6 brackets."""
    h = host.strip().lower().rstrip(".")
    if h.startswith("["):
        return h[1:].split("]", 1)[0]
    if h.count(":") == 1:
        h = h.split(":", 1)[0]
    return h


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@cache
def registrable_domain(host: str) -> str:
    """The registrable domain (eTLD+1) of ``host``; an IP address or a bare suffix is returned as is."""
    h = normalise_host(host)
    if not h or is_ip(h):
        return h
    return _psl().privatesuffix(h) or h


def attribute(host: str, first_party_domains: Iterable[str] = ()) -> tuple[str, str | None, str | None]:
    """(owner_kind, owner, sdk_id) for ``host``.

    A domain of a catalogued SDK is third party, named by the SDK, even when the caller lists it as
    first party (an SDK's hosts are also found in the app's code, which is where callers look).
    Otherwise a host under one of the app's registrable domains is first party; any other host is a
    third party of unknown vendor, or unknown when no first-party domain is known.
    """
    h = normalise_host(host)
    if not h:
        return UNKNOWN, None, None
    sdk = sdk_index().sdk_for_host(h)
    if sdk is not None:
        return THIRD_PARTY, sdk["name"], sdk["id"]
    own = {registrable_domain(d) for d in first_party_domains if d and d.strip()}
    own.discard("")
    if not own:
        return UNKNOWN, None, None
    reg = registrable_domain(h)
    if reg in own:
        return FIRST_PARTY, reg, None
    return THIRD_PARTY, UNKNOWN_VENDOR, None
