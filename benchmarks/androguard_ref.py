"""Reference run: what a user of androguard 4.x would do to list an APK's sensitive API uses.

Usage: python androguard_ref.py APP.apk OUT.json
Writes the set of catalogued PI-reading APIs that some method calls (or whose field it reads),
applying the same rule for APIs that need a string constant in the calling method.
"""

from __future__ import annotations

import json
import re
import sys


def main() -> int:
    apk_path, out = sys.argv[1], sys.argv[2]
    from androguard.misc import AnalyzeAPK
    from loguru import logger

    logger.remove()
    sys.path.insert(0, sys.argv[3] if len(sys.argv) > 3 else ".")
    from privaudit import catalog

    _, _, dx = AnalyzeAPK(apk_path)
    found = set()
    for api in catalog.sensitive_apis():
        cls = re.escape(api["class"])
        name = "^" + re.escape(api["member"]) + "$"
        if api["kind"] == "method":
            for m in dx.find_methods(classname=cls, methodname=name):
                callers = [c for _, c, _ in m.get_xref_from()]
                if api.get("requires_string"):
                    callers = [c for c in callers if _loads_string(c, api["requires_string"])]
                if callers:
                    found.add(api["id"])
    # androguard keeps no cross-references for fields of framework classes (Build.SERIAL, content URIs),
    # so a user has to scan the instructions for the field reads.
    fields = {f"{a['class']}->{a['member']}": a["id"] for a in catalog.sensitive_apis() if a["kind"] == "field"}
    for m in dx.get_methods():
        if m.is_external():
            continue
        for ins in m.get_method().get_instructions():
            op = ins.get_name()
            if op.startswith(("sget", "iget")):
                target = ins.get_output().split(", ")[-1].split(" ")[0]
                if target in fields:
                    found.add(fields[target])
    with open(out, "w") as fh:
        json.dump(sorted(found), fh)
    return 0


def _loads_string(method_analysis, value: str) -> bool:
    m = method_analysis.get_method()
    if not hasattr(m, "get_instructions"):
        return False
    for ins in m.get_instructions():
        if ins.get_name().startswith("const-string") and ins.get_output().endswith((f"'{value}'", f'"{value}"')):
            return True
    return False


if __name__ == "__main__":
    raise SystemExit(main())
