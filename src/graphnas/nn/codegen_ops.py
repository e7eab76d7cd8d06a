"""Source text for one node of a generated ``model.py``: its layers, its op, merge and gates.

Two tables mirror ``layers.OPS``: ``INIT`` gives the constructor of an op's layers (None for ops
without weights), ``EXPR`` the expression that applies the op. The layers keep the attribute
names of ``layers.py`` and ``merges.py`` (``op``, ``merge.proj``, ``gates``, ``norm``, ...), so a
generated network and a built one have the same state_dict keys. ``rank`` is the number of axes a
node's input has in the generated ``forward``: 2 for (B, C) (a vector, or one step of a sequence
in a loop over time; token ids (B, T) too), 3 for (B, C, T), 4 for (B, C, H, W).
"""

from __future__ import annotations

import ast
import json
from collections.abc import Callable
from typing import Any

Params = dict[str, Any]


def quote(text: str) -> str:
    """A double-quoted Python string literal."""
    return json.dumps(text)


def atom(expr: str) -> str:
    """``expr`` in parentheses unless it is a name, call, attribute, subscript or constant."""
    node = ast.parse(expr, mode="eval").body
    if isinstance(node, (ast.Name, ast.Call, ast.Attribute, ast.Subscript, ast.Constant)):
        return expr
    return f"({expr})"


def channel_linear(layer: str, x: str, rank: int) -> str:
    """A linear layer applied on the channel axis (axis 1), as ``ChannelLinear`` does."""
    if rank == 2:
        return f"{layer}({x})"
    if rank == 3:
        return f"{layer}({atom(x)}.transpose(1, 2)).transpose(1, 2)"
    return f"{layer}({atom(x)}.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)"


def module_dict(parts: dict[str, str]) -> str:
    """``nn.ModuleDict({...})`` source from name -> constructor source."""
    return "nn.ModuleDict({" + ", ".join(f"{quote(k)}: {v}" for k, v in parts.items()) + "})"


# ---- constructors -------------------------------------------------------------------------

def _conv(dims: int, c_in: int, c_out: int, p: Params, extra: str = "") -> str:
    kernel = p.get("kernel", 1)
    options = {"stride": p.get("stride", 1), "dilation": p.get("dilation", 1)}
    options["padding"] = options["dilation"] * (kernel - 1) // 2
    kw = "".join(f", {k}={v}" for k, v in options.items() if v != (0 if k == "padding" else 1))
    return f"nn.Conv{dims}d({c_in}, {c_out}, {kernel}{kw}{extra})"


def _init_conv(dims: int, kind: str = "") -> Callable[[Params, Params], str]:
    def init(p: Params, s: Params) -> str:
        c, w = s["c_in"], p["width"]
        if kind == "separable":
            return module_dict({"depthwise": _conv(dims, c, c, p, f", groups={c}, bias=False"),
                                "pointwise": _conv(dims, c, w, {})})
        if kind == "block":
            return module_dict({"conv": _conv(dims, c, w, p), "norm": f"nn.BatchNorm{dims}d({w})"})
        return _conv(dims, c, w, p)

    return init


def _init_linear(p: Params, s: Params) -> str:
    return f"nn.Linear({s['c_in']}, {p['width']}{'' if p['bias'] else ', bias=False'})"


def _init_batch_norm(p: Params, s: Params) -> str:
    return f"nn.BatchNorm{2 if s['layout'] == 'image' else 1}d({s['c_in']})"


def _no_weights(p: Params, s: Params) -> None:
    return None


def _init_expr(expression: str) -> str | None:
    """An expression's learned scalars, as ``ExpressionActivation`` keeps them."""
    from .expression import source

    _, starts = source(expression)
    return f"nn.ParameterDict({{\"beta\": nn.Parameter(torch.tensor({starts}))}})" \
        if starts else None


INIT: dict[str, Callable[[Params, Params], str | None]] = {
    "linear": _init_linear,
    "conv1d": _init_conv(1),
    "conv2d": _init_conv(2),
    "sep_conv1d": _init_conv(1, "separable"),
    "sep_conv2d": _init_conv(2, "separable"),
    "conv_block1d": _init_conv(1, "block"),
    "conv_block2d": _init_conv(2, "block"),
    "batch_norm": _init_batch_norm,
    "layer_norm": lambda p, s: module_dict({"norm": f"nn.LayerNorm({list(s['norm_shape'])})"}),
    "embedding": lambda p, s: module_dict({"embed": f"nn.Embedding({s['vocab']}, {p['width']})"}),
    "expr": lambda p, s: _init_expr(p["expression"]),
    **{op: _no_weights for op in (
        "max_pool", "avg_pool", "global_avg_pool", "global_max_pool", "relu", "tanh", "sigmoid",
        "gelu", "swish", "identity", "one_minus", "dropout", "flatten")},
}

# ---- expressions: (params, layer, x, rank) -> source --------------------------------------


def _call(fn: str) -> Callable[[Params, str, str, int], str]:
    return lambda p, m, x, r: f"{fn}({x})"


def _pool(kind: str) -> Callable[[Params, str, str, int], str]:
    return lambda p, m, x, r: f"F.{kind}_pool{r - 2}d({x}, {p['kernel']}, {p['stride']})"


def _global_pool(reduce: str) -> Callable[[Params, str, str, int], str]:
    return lambda p, m, x, r: f"{atom(x)}.{reduce}(dim={'-1' if r == 3 else '(2, 3)'})"


def _layer_norm(p: Params, m: str, x: str, r: int) -> str:
    if r == 3:  # (B, C, T): per time step
        return f"{m}.norm({atom(x)}.transpose(1, 2)).transpose(1, 2)"
    return f"{m}.norm({x})"


def _expr(expression: str, m: str, x: str) -> str:
    from .expression import source

    return source(expression, atom(x), f"{m}.beta")[0]


EXPR: dict[str, Callable[[Params, str, str, int], str]] = {
    "linear": lambda p, m, x, r: channel_linear(m, x, r),
    "conv1d": lambda p, m, x, r: f"{m}({x})",
    "conv2d": lambda p, m, x, r: f"{m}({x})",
    "sep_conv1d": lambda p, m, x, r: f"{m}.pointwise({m}.depthwise({x}))",
    "sep_conv2d": lambda p, m, x, r: f"{m}.pointwise({m}.depthwise({x}))",
    "conv_block1d": lambda p, m, x, r: f"torch.relu({m}.norm({m}.conv({x})))",
    "conv_block2d": lambda p, m, x, r: f"torch.relu({m}.norm({m}.conv({x})))",
    "max_pool": _pool("max"),
    "avg_pool": _pool("avg"),
    "global_avg_pool": _global_pool("mean"),
    "global_max_pool": _global_pool("amax"),
    "batch_norm": lambda p, m, x, r: f"{m}({x})",
    "layer_norm": _layer_norm,
    "relu": _call("torch.relu"),
    "tanh": _call("torch.tanh"),
    "sigmoid": _call("torch.sigmoid"),
    "gelu": _call("F.gelu"),
    "swish": _call("F.silu"),
    "identity": lambda p, m, x, r: x,
    "one_minus": lambda p, m, x, r: f"1 - {atom(x)}",
    "expr": lambda p, m, x, r: _expr(p["expression"], m, x),
    "dropout": lambda p, m, x, r: f"F.dropout({x}, {p['p']}, self.training)",
    "embedding": lambda p, m, x, r: f"{m}.embed({x}).transpose(1, 2)",  # (B, T) -> (B, W, T)
    "flatten": lambda p, m, x, r: f"{atom(x)}.flatten(1)",
}


# ---- merges and memory gates --------------------------------------------------------------

def projected(merge: str | None, widths: list[int]) -> list[int]:
    """Inputs the merge projects to the widest (none for concat), as ``merges.Merge`` does."""
    if merge == "concat":
        return []
    return [i for i, w in enumerate(widths) if w != max(widths)]


def merge_expr(merge: str | None, xs: list[str]) -> str:
    """The merge of the (gated, projected) inputs ``xs``."""
    if len(xs) == 1:
        return xs[0]
    kind = merge or "add"
    if kind == "concat":
        return f"torch.cat([{', '.join(xs)}], 1)"
    if kind == "interp":
        g, a, b = xs
        return f"torch.lerp({b}, {a}, {g})"  # g * a + (1 - g) * b
    if kind == "max":
        out = xs[0]
        for x in xs[1:]:
            out = f"torch.maximum({out}, {x})"
        return out
    out = (" * " if kind == "mul" else " + ").join(atom(x) for x in xs)
    return f"({out}) / {len(xs)}" if kind == "mean" else out


def gated(kind: str, layer: str, m: str, u: str | None, rank: int,
          names: tuple[str, str, str]) -> list[str]:
    """Lines that compute what a gated memory link delivers from the remembered value ``m``.

    ``u`` is the node's forward inputs at this step (None when it has none); ``names`` are the
    variables for the update gate, the candidate and the result (the last line assigns it).
    """
    z, cand, out = names
    z_expr = "torch.sigmoid(" + channel_linear(
        f"{layer}.gate", m if u is None else f"torch.cat([{u}, {m}], 1)", rank) + ")"
    if kind == "sigmoid" or u is None:
        return [f"{out} = {z_expr} * {m}"]
    return [f"{z} = {z_expr}",
            f"{cand} = {channel_linear(f'{layer}.cand', u, rank)}",
            f"{out} = {cand} + {z} * ({m} - {cand})"]  # z * m + (1 - z) * cand


def node_init(n: dict[str, Any]) -> dict[str, str]:
    """Constructors of a node's layers by key (op, merge, gates); empty when it has no weights.

    ``n`` is the node's entry in the plan.
    """
    parts = {}
    op = INIT[n["op"]](n["params"], n["site"])
    if op is not None:
        parts["op"] = op
    widths = n["widths"]
    proj = {str(i): f"nn.Linear({widths[i]}, {max(widths)})"
            for i in projected(n["merge"], widths)}
    if proj:
        parts["merge"] = module_dict({"proj": module_dict(proj)})
    gates = {}
    for i, kind in enumerate(n["gates"]):
        if kind in (None, "none"):
            continue
        layers = {"gate": f"nn.Linear({n['c_fwd'] + widths[i]}, {widths[i]})"}
        if kind == "gru" and n["c_fwd"]:
            layers["cand"] = f"nn.Linear({n['c_fwd']}, {widths[i]})"
        gates[str(i)] = module_dict(layers)
    if gates:
        parts["gates"] = module_dict(gates)
    return parts
