"""The device profile: the test device's own identifier values, written by the tester.

PI is found in traffic by looking for these known values (and their encodings); see
``docs/device-profile.md`` for the format. Every identifier may be one string or a list of
strings (dual-SIM phones have two IMEIs and two IMSIs); ``location`` may be one point or a list.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from typing import Any

from privaudit.errors import InputError, MalformedInput, UnsafeInput

# Profile key -> PI type id of catalog/pi_types.json.
IDENTIFIER_TYPES: dict[str, str] = {
    "imei": "imei",
    "imsi": "imsi",
    "iccid": "iccid",
    "android_id": "android_id",
    "oaid": "advertising_id",
    "gaid": "advertising_id",
    "mac": "mac_address",
    "serial": "serial_number",
    "phone_number": "phone_number",
}
OTHER_KEYS = ("location", "location_radius_m", "installed_packages")
MAX_PROFILE_BYTES = 4 * 1024 * 1024
DEFAULT_RADIUS_M = 100.0

_MAC = re.compile(r"^[0-9A-Fa-f]{2}([:-]?)[0-9A-Fa-f]{2}(?:\1[0-9A-Fa-f]{2}){4}$")
_PACKAGE = re.compile(r"^[A-Za-z][\w]*(?:\.[A-Za-z_][\w]*)+$")


@dataclass(slots=True, frozen=True)
class DeviceProfile:
    """Known values of one test device, kept as given (a MAC's separators become colons)."""

    identifiers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # profile key -> values
    locations: tuple[tuple[float, float], ...] = ()  # (lat, lon)
    installed_packages: tuple[str, ...] = ()
    radius_m: float = DEFAULT_RADIUS_M
    path: str | None = None

    def values(self) -> list[tuple[str, str, str]]:
        """(profile key, PI type, value) for every identifier value."""
        return [(k, IDENTIFIER_TYPES[k], v) for k, vs in self.identifiers.items() for v in vs]


def read_profile(path: str | os.PathLike[str]) -> DeviceProfile:
    """Read a device profile JSON file; any problem is a one-line ``InputError``."""
    p = os.fspath(path)
    try:
        size = os.path.getsize(p)
        if size > MAX_PROFILE_BYTES:
            raise UnsafeInput(f"device profile is {size} bytes; more than {MAX_PROFILE_BYTES} is not a profile", p)
        with open(p, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise InputError(f"cannot read device profile: {e.strerror or e}", p) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise MalformedInput(f"device profile is not UTF-8 (byte offset {e.start})", p) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        offset = len(text[: e.pos].encode("utf-8"))
        raise MalformedInput(f"device profile is not valid JSON at byte offset {offset}: {e.msg}", p) from None
    return profile_from_dict(data, p)


def profile_from_dict(data: Any, path: str | None = None) -> DeviceProfile:
    """Build a profile from already-parsed JSON (also used by tests and callers with the values at hand)."""
    if not isinstance(data, dict):
        raise InputError("device profile must be a JSON object", path)
    unknown = [k for k in data if k not in IDENTIFIER_TYPES and k not in OTHER_KEYS
               and not str(k).startswith("_") and k != "comment"]
    if unknown:
        known = ", ".join([*IDENTIFIER_TYPES, *OTHER_KEYS])
        raise InputError(f"device profile has unknown key(s) {', '.join(map(repr, unknown))}; known: {known}", path)
    identifiers: dict[str, tuple[str, ...]] = {}
    for key in IDENTIFIER_TYPES:
        values = _strings(data.get(key), key, path)
        if key == "mac":
            values = [_mac(v, path) for v in values]
        if values:
            identifiers[key] = tuple(dict.fromkeys(values))
    locations = tuple(_point(p, path) for p in _list(data.get("location"), "location", path, dict_ok=True))
    packages = _strings(data.get("installed_packages"), "installed_packages", path)
    for pkg in packages:
        if not _PACKAGE.match(pkg):
            raise InputError(f"device profile: installed_packages entry {pkg!r} is not a package name", path)
    radius = data.get("location_radius_m", DEFAULT_RADIUS_M)
    if isinstance(radius, bool) or not isinstance(radius, (int, float)) or not 0 < radius <= 100_000:
        raise InputError("device profile: location_radius_m must be a number of metres in (0, 100000]", path)
    return DeviceProfile(identifiers, locations, tuple(dict.fromkeys(packages)), float(radius), path)


def _list(value: Any, key: str, path: str | None, dict_ok: bool = False) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, int)) or (dict_ok and isinstance(value, dict)):
        return [value]
    raise InputError(f"device profile: {key} must be a string or a list", path)


def _strings(value: Any, key: str, path: str | None) -> list[str]:
    out = []
    for v in _list(value, key, path):
        if isinstance(v, bool) or not isinstance(v, (str, int)):
            raise InputError(f"device profile: {key} values must be strings", path)
        s = str(v).strip()
        if s:
            out.append(s)
    return out


def _mac(value: str, path: str | None) -> str:
    if not _MAC.match(value):
        raise InputError(f"device profile: mac {value!r} is not a MAC address (six hex pairs)", path)
    digits = re.sub(r"[:-]", "", value)  # the case is kept: "raw" means as the tester wrote it
    return ":".join(digits[i:i + 2] for i in range(0, 12, 2))


def _point(value: Any, path: str | None) -> tuple[float, float]:
    if not isinstance(value, dict) or "lat" not in value or "lon" not in value:
        raise InputError('device profile: location must be {"lat": …, "lon": …} (or a list of them)', path)
    try:
        lat, lon = float(value["lat"]), float(value["lon"])
    except (TypeError, ValueError):
        raise InputError("device profile: location lat/lon must be numbers", path) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise InputError(f"device profile: location ({lat}, {lon}) is out of range", path)
    return lat, lon
