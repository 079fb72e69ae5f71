"""A flow drawn as inline SVG from its definition: nodes in layers by longest path from the first
node (top to bottom), edges as paths labelled by outcome, the given current nodes highlighted.
No graphviz, no JavaScript."""
from __future__ import annotations

from html import escape

from engines.flow import graph

W, H, GAP_X, GAP_Y, PAD = 150, 44, 40, 70, 20
SHAPES = {"approval": "#e8f0fe", "task": "#e6f4ea", "end": "#f1f3f4", "condition": "#fef7e0",
          "parallel": "#fce8e6", "join": "#fce8e6", "notify": "#f3e8fd"}


def render_svg(flow, lang: str = "zh", current=()) -> str:
    succ = graph.successors(flow.nodes)
    layer = graph.layers(succ, flow.first)
    rows: dict[int, list[str]] = {}
    for name in flow.nodes:
        rows.setdefault(layer[name], []).append(name)
    widest = max(len(r) for r in rows.values())
    width = PAD * 2 + widest * W + (widest - 1) * GAP_X
    pos = {}
    for y, names in rows.items():
        span = len(names) * W + (len(names) - 1) * GAP_X
        for i, name in enumerate(names):
            pos[name] = ((width - span) / 2 + i * (W + GAP_X), PAD + y * (H + GAP_Y))
    height = PAD * 2 + (max(rows) + 1) * H + max(rows) * GAP_Y
    back = graph.back_edges(succ, flow.first)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="flow-diagram" width="{width:.0f}" '
             f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             f'aria-label="{escape(flow.label.get(lang))}">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#5f6368"/></marker></defs>']
    for node in flow.nodes.values():
        for outcome, target in node.edges:
            parts.append(_edge(pos[node.name], pos[target], outcome, (node.name, target) in back))
    for node in flow.nodes.values():
        x, y = pos[node.name]
        here = node.name in current
        parts.append(f'<g class="node {node.kind}{" current" if here else ""}" data-node="{escape(node.name)}">'
                     f'<rect x="{x:.0f}" y="{y:.0f}" width="{W}" height="{H}" rx="{H / 2 if node.kind == "end" else 6:.0f}" '
                     f'fill="{"#fbbc04" if here else SHAPES.get(node.kind, "#fff")}" '
                     f'stroke="{"#b06000" if here else "#5f6368"}" stroke-width="{3 if here else 1}"/>'
                     f'<text x="{x + W / 2:.0f}" y="{y + H / 2 + 5:.0f}" text-anchor="middle" font-size="13">'
                     f'{escape(node.label.get(lang))}</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def _edge(a, b, outcome, is_back) -> str:
    (ax, ay), (bx, by) = a, b
    if is_back:         # back up the side, so a rejection sent back does not cross the nodes
        sx, sy, ex, ey = ax + W, ay + H / 2, bx + W, by + H / 2
        bend = max(sx, ex) + 50
        d = f"M{sx:.0f},{sy:.0f} C{bend:.0f},{sy:.0f} {bend:.0f},{ey:.0f} {ex:.0f},{ey:.0f}"
        lx, ly = bend - 10, (sy + ey) / 2
    else:
        sx, sy, ex, ey = ax + W / 2, ay + H, bx + W / 2, by
        mid = (sy + ey) / 2
        d = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{mid:.0f} {ex:.0f},{mid:.0f} {ex:.0f},{ey:.0f}"
        lx, ly = (sx + ex) / 2, mid
    label = (f'<text class="edge-label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle" font-size="11" '
             f'fill="#3c4043">{escape(outcome)}</text>') if outcome else ""
    return (f'<g class="edge" data-outcome="{escape(outcome)}"><path d="{d}" fill="none" stroke="#5f6368" '
            f'marker-end="url(#arrow)"/>{label}</g>')
