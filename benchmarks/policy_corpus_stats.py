"""Corpus statistics for policy readability (M191-2.4): percentiles of each metric over CA4P-483.

Reads the 483 raw policies of CA4P-483 (Zhao et al., EMNLP 2022; ``../shared/data/policies/zh/
ca4p483/raw_data/*.html``, the policy text inside ``<pre>``), turns their light markdown into plain
lines (``#`` heading marks, ``**`` bold, ``* `` bullets and ``==========`` separators removed;
the first ``Apkid:`` line dropped), splits sentences with ``statements.split_sentences`` and
measures each with ``readability.measure``. Writes only aggregate numbers — percentiles
5/10/25/50/75/90/95 of each metric, the share of policies with a table of contents, the corpus
name, count and date — to ``privaudit/catalog/policy_corpus_stats.json``. No corpus text is kept.

Usage: python benchmarks/policy_corpus_stats.py [--corpus DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import datetime
import glob
import html
import json
import os
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from privaudit.evidence.policy.readability import METRICS, PERCENTILES, STATS_PATH, _pctl, measure  # noqa: E402
from privaudit.evidence.policy.statements import split_sentences  # noqa: E402

CORPUS = REPO.parent / "shared" / "data" / "policies" / "zh" / "ca4p483" / "raw_data"
_PRE = re.compile(r"<pre[^>]*>(.*?)</pre>", re.S)


def plain(raw: str) -> str:
    """CA4P's markdown-flavoured text as plain lines, the way a policy reader would give it."""
    lines = []
    for ln in raw.split("\n"):
        if ln.startswith("Apkid:") or re.fullmatch(r"\s*=+\s*", ln):
            continue
        ln = re.sub(r"^\s*#{1,6}\s*", "", ln)
        ln = re.sub(r"^\s*[*+-]\s+", "", ln)
        ln = ln.replace("**", "").replace("\\.", ".").replace("\\", "").strip()
        if ln:
            lines.append(ln)
    return "\n".join(lines)


def read_corpus(folder: Path) -> list[str]:
    texts = []
    for p in sorted(glob.glob(str(folder / "*.html"))):
        with open(p, encoding="utf-8") as fh:
            m = _PRE.search(fh.read())
        if m:
            texts.append(plain(html.unescape(m.group(1))))
    return texts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=CORPUS)
    ap.add_argument("--out", type=Path, default=Path(STATS_PATH))
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus}", file=sys.stderr)
        return 2
    texts = read_corpus(args.corpus)
    rows = [measure(t, split_sentences(t)) for t in texts if t.strip()]
    stats = {
        "version": 1,
        "corpus": "CA4P-483 raw_data (Zhao et al., EMNLP 2022)",
        "language": "zh",
        "count": len(rows),
        "date": datetime.date.today().isoformat(),
        "method": "plain lines from CA4P markdown; sentences by statements.split_sentences; "
                  "units = CJK chars + Latin words",
        "share_with_toc": round(sum(1 for r in rows if r["has_toc"]) / len(rows), 3),
        "metrics": {k: {f"p{p}": round(_pctl([float(r[k]) for r in rows], p), 4) for p in PERCENTILES}
                    for k in METRICS},
    }
    os.makedirs(args.out.parent, exist_ok=True)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(stats, fh, ensure_ascii=False, indent=1)
        fh.write("\n")
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
