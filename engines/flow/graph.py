"""What the compile-time checks and the diagram ask of a flow's graph: reachability, paths to an
end, loops, and layers by longest path from the first node."""
from __future__ import annotations


def successors(nodes) -> dict[str, list[str]]:
    return {name: [t for _, t in node.edges if t in nodes] for name, node in nodes.items()}


def reachable(succ, first) -> set[str]:
    seen, todo = set(), [first]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.add(n)
            todo.extend(succ.get(n, ()))
    return seen


def reaching(succ, targets) -> set[str]:
    """The nodes from which one of `targets` can be reached."""
    pred = {n: [] for n in succ}
    for n, outs in succ.items():
        for t in outs:
            pred[t].append(n)
    return reachable({**pred, None: list(targets)}, None) - {None}


def automatic_loop(nodes, human) -> list[str] | None:
    """A cycle through nodes no person decides (it would run for ever), or None."""
    succ = {n: [t for t in outs if not human(t)] for n, outs in successors(nodes).items() if not human(n)}
    state = {}

    def visit(n, stack):
        state[n] = 1
        stack.append(n)
        for t in succ.get(n, ()):
            if state.get(t) == 1:
                return stack[stack.index(t):] + [t]
            if t not in state:
                found = visit(t, stack)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in succ:
        if n not in state:
            found = visit(n, [])
            if found:
                return found
    return None


def back_edges(succ, first) -> set[tuple[str, str]]:
    """Edges that go back to a node on the way from the first (a rejection sent back)."""
    back, state = set(), {}

    def visit(n):
        state[n] = 1
        for t in succ.get(n, ()):
            if state.get(t) == 1:
                back.add((n, t))
            elif t not in state:
                visit(t)
        state[n] = 2

    visit(first)
    for n in succ:
        if n not in state:
            visit(n)
    return back


def layers(succ, first) -> dict[str, int]:
    """Each node's layer: the longest path to it from the first node, over forward edges."""
    back = back_edges(succ, first)
    forward = {n: [t for t in outs if (n, t) not in back] for n, outs in succ.items()}
    order, seen = [], set()

    def visit(n):
        seen.add(n)
        for t in forward.get(n, ()):
            if t not in seen:
                visit(t)
        order.append(n)

    for n in [first, *succ]:
        if n not in seen:
            visit(n)
    layer = {n: 0 for n in succ}
    for n in reversed(order):
        for t in forward.get(n, ()):
            layer[t] = max(layer[t], layer[n] + 1)
    return layer
