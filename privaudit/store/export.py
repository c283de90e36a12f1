"""Query answers as text (an aligned table, CSV, JSON) or files (CSV, Parquet), written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from typing import Any

from privaudit.errors import InputError

TABLE_CELL_WIDTH = 60  # display columns; longer text (summaries) is cut with "…" in tables only


def in_language(columns: tuple[str, ...], rows: list[dict[str, Any]],
                lang: str) -> tuple[tuple[str, ...], list[dict[str, Any]]]:
    """Every ``X_zh``/``X_en`` pair becomes one column ``X`` in ``lang``; other columns are kept as they are."""
    other = "en" if lang == "zh" else "zh"
    pairs = {c[:-3] for c in columns if c.endswith("_zh") and f"{c[:-3]}_en" in columns}
    kept = [c for c in columns if not (c[:-3] in pairs and c.endswith(f"_{other}"))]
    names = {c: c[:-3] if c[:-3] in pairs else c for c in kept}
    return tuple(names.values()), [{names[c]: row.get(c) for c in kept} for row in rows]


def render(fmt: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2)
    if fmt == "csv":
        buf = io.StringIO()
        _write_csv(buf, columns, rows)
        return buf.getvalue()
    return table(columns, rows)


def display_width(text: str) -> int:
    """Terminal columns: East Asian wide and full-width characters take two, combining marks none."""
    return sum(0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
               for ch in text)


def _cut(text: str, width: int) -> str:
    if display_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = display_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


def _cell(value: Any, column: str) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and column.endswith("rate"):
        return f"{value * 100:.1f}%"
    if column == "sha256":
        return str(value)[:12]  # enough to tell files apart and to give to ``versions --old/--new``
    return _cut(" ".join(str(value).split()), TABLE_CELL_WIDTH)


def table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> str:
    """Aligned columns, numbers to the right; ``-`` for no value; rates as percentages; SHA-256 shortened."""
    cells = [[_cell(row.get(c), c) for c in columns] for row in rows]
    numeric = [bool(rows) and all(isinstance(r.get(c), (int, float)) or r.get(c) is None for r in rows)
               for c in columns]
    widths = [max([display_width(c)] + [display_width(line[i]) for line in cells]) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        parts = []
        for i, v in enumerate(values):
            pad = " " * (widths[i] - display_width(v))
            parts.append(pad + v if numeric[i] else v + pad)
        return "  ".join(parts).rstrip()

    out = [line(list(columns)), line(["-" * w for w in widths])]
    out += [line(c) for c in cells]
    if not rows:
        out.append("(no rows)")
    return "\n".join(out) + "\n"


def _write_csv(fh: Any, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(columns)
    for row in rows:
        w.writerow(["" if row.get(c) is None else row.get(c) for c in columns])


def _parquet_table(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> Any:
    import pyarrow as pa

    arrays = []
    for c in columns:
        values = [row.get(c) for row in rows]
        present = [v for v in values if v is not None]
        if not present:
            arrays.append(pa.array(values, type=pa.string()))
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            arrays.append(pa.array(values, type=pa.int64()))
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            arrays.append(pa.array([None if v is None else float(v) for v in values], type=pa.float64()))
        else:
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    return pa.table(arrays, names=list(columns))


def write_file(path: str, fmt: str, columns: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Write ``rows`` to ``path`` as ``csv`` (UTF-8) or ``parquet``: into a temporary file beside it, then
    renamed over it, so ``path`` is either the old file or the whole new one, never half written."""
    from privaudit.output import replacing

    try:
        with replacing(path) as tmp:
            if fmt == "csv":
                # with a BOM: Excel (the tool most users open a CSV in) takes BOM-less UTF-8 for the local code page
                with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                    _write_csv(fh, columns, rows)
                    fh.flush()
                    os.fsync(fh.fileno())
            else:
                import pyarrow.parquet as pq

                pq.write_table(_parquet_table(columns, rows), tmp)
    except OSError as exc:
        raise InputError(f"cannot write the export ({exc.strerror or exc})", path) from None
