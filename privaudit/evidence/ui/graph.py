"""The transition graph of a UI run as plain SVG text (no dependency): screens in columns by their distance from
the run's first screen, transitions as arrows, an optional path highlighted. Every label is XML-escaped."""

from __future__ import annotations

from collections import deque
from xml.sax.saxutils import escape

from privaudit.evidence.ui.model import Transition, UiRun

BOX_W, BOX_H, GAP_X, GAP_Y, MARGIN = 180, 44, 60, 16, 20
MAX_SCREENS = 400  # a bigger graph is cut (in first-seen order) and says so
COLOURS = {"tap": "#555", "back": "#999", "scroll": "#7a7", "input": "#77a", "start": "#a77", "auto": "#ccc",
           "unknown": "#bbb"}


def _label(run: UiRun, sid: str) -> str:
    s = run.screen(sid)
    if s is None:
        return sid[:12]
    act = (s.activity or s.package or "").rsplit("/", 1)[-1].rsplit(".", 1)[-1]
    first = next(iter(s.texts()), "")
    return f"{act or s.id[:12]}" + (f" · {first}" if first else "")


def _clip(text: str, n: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


def to_svg(run: UiRun, highlight_path: list[Transition] | None = None) -> str:
    ids = [s.id for s in run.screens][:MAX_SCREENS]
    known = set(ids)
    edges = [t for t in run.transitions if t.src in known and t.dst in known and t.src != t.dst]
    # column: BFS depth from the first screen; unreachable screens go to one last column
    col: dict[str, int] = {}
    if ids:
        col[ids[0]] = 0
        queue = deque([ids[0]])
        adj: dict[str, list[str]] = {}
        for t in edges:
            adj.setdefault(t.src, []).append(t.dst)
        while queue:
            n = queue.popleft()
            for m in adj.get(n, []):
                if m not in col:
                    col[m] = col[n] + 1
                    queue.append(m)
    last = max(col.values(), default=-1) + 1
    rows: dict[int, int] = {}
    pos: dict[str, tuple[int, int]] = {}
    for sid in ids:
        c = col.get(sid, last)
        r = rows.get(c, 0)
        rows[c] = r + 1
        pos[sid] = (MARGIN + c * (BOX_W + GAP_X), MARGIN + r * (BOX_H + GAP_Y))
    width = MARGIN * 2 + (max(rows, default=0) + 1) * (BOX_W + GAP_X)
    height = MARGIN * 2 + max(rows.values(), default=1) * (BOX_H + GAP_Y) + 20
    hl = {(t.src, t.dst) for t in highlight_path or []}
    hl_nodes = {n for e in hl for n in e}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">',
           '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" '
           'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>']
    drawn: set[tuple[str, str]] = set()
    for t in edges:
        if (t.src, t.dst) in drawn:
            continue
        drawn.add((t.src, t.dst))
        (x1, y1), (x2, y2) = pos[t.src], pos[t.dst]
        on = (t.src, t.dst) in hl
        colour = "#d22" if on else COLOURS.get(t.action, "#888")
        sx, ex = (x1 + BOX_W, x2) if x2 > x1 else (x1, x2 + BOX_W)
        what = t.action + (f" {t.widget.label}" if t.widget is not None and t.widget.label else "")
        out.append(f'<line x1="{sx}" y1="{y1 + BOX_H // 2}" x2="{ex}" y2="{y2 + BOX_H // 2}" stroke="{colour}" '
                   f'stroke-width="{3 if on else 1}" marker-end="url(#a)"><title>{escape(what)}</title></line>')
    for sid in ids:
        x, y = pos[sid]
        on = sid in hl_nodes
        out.append(f'<g><title>{escape(sid)}</title><rect x="{x}" y="{y}" width="{BOX_W}" height="{BOX_H}" rx="4" '
                   f'fill="{"#fde" if on else "#f6f6f6"}" stroke="{"#d22" if on else "#888"}"/>'
                   f'<text x="{x + 6}" y="{y + 18}">{escape(_clip(_label(run, sid)))}</text>'
                   f'<text x="{x + 6}" y="{y + 34}" fill="#777">{escape(sid[:12])}</text></g>')
    if len(run.screens) > MAX_SCREENS:
        out.append(f'<text x="{MARGIN}" y="{height - 6}">{len(run.screens) - MAX_SCREENS} more screen(s) not '
                   "drawn</text>")
    out.append("</svg>")
    return "\n".join(out)


__all__ = ["to_svg"]
