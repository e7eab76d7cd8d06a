"""Drawings (Graphviz DOT, SVG, PNG) and a text summary of a graph.

Forward edges are solid, memory links dashed and labelled with their gate; a node shows its
op, parameters and merge, and its output shape when an input spec is given.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .core import Graph
from .errors import GraphError
from .shapes import infer_shapes
from .specs import InputSpec, Shape


class DrawingError(GraphError):
    """Graphviz is missing or failed."""


def _quote(s: str) -> str:
    """A DOT string; lines of a label are separated by real newlines in ``s``."""
    esc = s.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + esc.replace("\n", "\\n") + '"'


def _params_text(params) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def to_dot(g: Graph, spec: InputSpec | None = None) -> str:
    """Graphviz DOT source for the graph."""
    shapes: dict[str, Shape] = infer_shapes(g, spec) if spec is not None else {}
    lines = [
        f"digraph {_quote(g.name or 'graph')} {{",
        "  rankdir=TB; node [fontname=Helvetica, fontsize=11]; edge [fontname=Helvetica, "
        "fontsize=9];",
    ]
    if g.update_rule:
        lines.append(f"  labelloc=b; label={_quote(f'update rule: {g.update_rule}')};")
    for i in g.inputs:
        label = f"input {i}" + (f"\n{shapes[i]}" if i in shapes else "")
        lines.append(f"  {_quote(i)} [shape=oval, style=filled, fillcolor=\"#dbeafe\", "
                     f"label={_quote(label)}];")
    for n in g.nodes:
        parts = [f"{n.id}: {n.op}"]
        if n.params:
            parts.append(_params_text(n.params))
        if n.merge and g.n_inputs(n.id) > 1:
            parts.append(f"merge: {n.merge}")
        if n.id in shapes:
            parts.append(str(shapes[n.id]))
        color = "#fde68a" if n.id == g.output else "#f3f4f6"
        lines.append(f"  {_quote(n.id)} [shape=box, style=\"rounded,filled\", "
                     f"fillcolor=\"{color}\", label={_quote(chr(10).join(parts))}];")
    for e in g.edges:
        attrs = f" [label={_quote(f'port {e.port}')}]" if e.port else ""
        lines.append(f"  {_quote(e.src)} -> {_quote(e.dst)}{attrs};")
    for m in g.memory:
        label = f"memory ({m.gate})" + (f" port {m.port}" if m.port else "")
        lines.append(
            f"  {_quote(m.src)} -> {_quote(m.dst)} [style=dashed, color=\"#dc2626\", "
            f"fontcolor=\"#dc2626\", constraint=false, label={_quote(label)}];"
        )
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(g: Graph, path: str | Path, spec: InputSpec | None = None) -> Path:
    """Write the graph as .dot, .svg or .png (chosen by the suffix)."""
    p = Path(path)
    fmt = p.suffix.lower().lstrip(".")
    dot_src = to_dot(g, spec)
    if fmt not in ("dot", "gv", "svg", "png", "pdf"):
        raise DrawingError(f"{p}: unknown drawing format {fmt!r}; use .svg, .png, .pdf or .dot")
    p.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("dot", "gv"):
        p.write_text(dot_src, encoding="utf-8")
        return p
    p.write_bytes(render_bytes(dot_src, fmt))
    return p


def render_bytes(dot_src: str, fmt: str) -> bytes:
    """Run Graphviz's ``dot`` on DOT source; DrawingError when it is missing or fails."""
    exe = shutil.which("dot")
    if exe is None:
        raise DrawingError(
            "Graphviz's 'dot' program is not installed; install it (Debian: apt-get install "
            "graphviz) or write .dot instead"
        )
    proc = subprocess.run([exe, f"-T{fmt}"], input=dot_src.encode(), capture_output=True,
                          timeout=60, check=False)
    if proc.returncode != 0:
        raise DrawingError(f"dot failed: {proc.stderr.decode(errors='replace').strip()}")
    return proc.stdout


def to_svg(g: Graph, spec: InputSpec | None = None) -> str:
    return render_bytes(to_dot(g, spec), "svg").decode()


def summary(g: Graph, spec: InputSpec | None = None) -> str:
    """A readable table: node, op, parameters, inputs (memory links marked), output shape."""
    shapes = infer_shapes(g, spec) if spec is not None else {}
    rows = [("node", "op", "params", "inputs", "output")]
    for i in g.inputs:
        rows.append((i, "input", "", "", str(shapes.get(i, ""))))
    for n in g.nodes:
        ins = [e.src for e in g.in_edges(n.id)]
        ins += [f"{m.src}@t-1" + (f"[{m.gate}]" if m.gate != "none" else "")
                for m in g.in_links(n.id)]
        inputs = ", ".join(ins)
        if n.merge and len(ins) > 1:
            inputs = f"{n.merge}({inputs})"
        op = n.op + (" *" if n.id == g.output else "")
        rows.append((n.id, op, _params_text(n.params), inputs, str(shapes.get(n.id, ""))))
    widths = [max(len(r[c]) for r in rows) for c in range(5)]
    out = [f"graph {g.name or '(unnamed)'}: {len(g.nodes)} nodes, {len(g.edges)} edges, "
           f"{len(g.memory)} memory links; * = output"]
    if g.update_rule:
        out.append(f"update rule: {g.update_rule}")
    for r in rows:
        out.append("  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip())
    return "\n".join(out)
