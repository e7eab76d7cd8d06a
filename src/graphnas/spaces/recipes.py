"""Op recipes the spaces offer, per input layout: a name -> (op, fixed params).

A recipe is what a search chooses for a node; weighted recipes also get a width decision.
Every recipe keeps the sample's layout and length (stride 1, 'same' padding), so any merge of
nodes in a space's body is valid; the stem and the readout change shape on purpose.
"""

from __future__ import annotations

import json
from pathlib import Path

from graphnas.graph import OPS, OutputSpec, mixes_time
from graphnas.graph.expressions import canonical

EXPR_PREFIX = "expr:"  # a recipe named "expr:<expression>" is that activation (an expr node)

BODY = {
    "sequence": {
        "conv3": ("conv1d", {"kernel": 3}), "conv5": ("conv1d", {"kernel": 5}),
        "conv3_d2": ("conv1d", {"kernel": 3, "dilation": 2}),
        "sepconv5": ("sep_conv1d", {"kernel": 5}), "linear": ("linear", {}),
        "relu": ("relu", {}), "tanh": ("tanh", {}), "sigmoid": ("sigmoid", {}),
        "gelu": ("gelu", {}), "bn": ("batch_norm", {}), "ln": ("layer_norm", {}),
        "identity": ("identity", {}),
        "block3": ("conv_block1d", {"kernel": 3}),
        "block3_d2": ("conv_block1d", {"kernel": 3, "dilation": 2}),
        "block3_d4": ("conv_block1d", {"kernel": 3, "dilation": 4}),
        "block3_d8": ("conv_block1d", {"kernel": 3, "dilation": 8}),
    },
    "image": {
        "conv3": ("conv2d", {"kernel": 3}), "conv5": ("conv2d", {"kernel": 5}),
        "sepconv3": ("sep_conv2d", {"kernel": 3}), "relu": ("relu", {}), "tanh": ("tanh", {}),
        "sigmoid": ("sigmoid", {}), "bn": ("batch_norm", {}), "identity": ("identity", {}),
        "block3": ("conv_block2d", {"kernel": 3}),
    },
    "vector": {
        "linear": ("linear", {}), "relu": ("relu", {}), "tanh": ("tanh", {}),
        "sigmoid": ("sigmoid", {}), "gelu": ("gelu", {}), "bn": ("batch_norm", {}),
        "ln": ("layer_norm", {}), "identity": ("identity", {}), "dropout": ("dropout", {}),
    },
}

STEMS = {
    "sequence": {"linear": ("linear", {}), "conv5": ("conv1d", {"kernel": 5}),
                 "conv5_s2": ("conv1d", {"kernel": 5, "stride": 2})},
    "tokens": {"embed": ("embedding", {})},
    "image": {"conv3": ("conv2d", {"kernel": 3})},
    "vector": {"linear": ("linear", {})},
}

READOUTS = {
    "sequence": {"last": ("identity", {}), "avg": ("global_avg_pool", {}),
                 "max": ("global_max_pool", {}), "flatten": ("flatten", {})},
    "image": {"avg": ("global_avg_pool", {}), "max": ("global_max_pool", {}),
              "flatten": ("flatten", {})},
    "vector": {"identity": ("identity", {})},
}


def fixed_readout(layout: str, output_spec: OutputSpec) -> tuple[str, dict]:
    """The readout of a space with no readout decision: one output per step keeps the
    sequence; a causal output reads the last step (pooling would see the future); any other
    sequence is pooled over time, so that the head sees every step (the last step alone sees
    only its receptive field); images and vectors take the layout's first readout."""
    if layout == "sequence" and (output_spec.per_step or output_spec.causal):
        return READOUTS["sequence"]["last"]
    if layout == "sequence":
        return READOUTS["sequence"]["avg"]
    return next(iter(READOUTS[layout].values()))


def causal(recipes: dict) -> dict:
    """The recipes that keep to the past (for a causal output): none whose op mixes the time
    axis; ``None`` entries (no op) stay."""
    return {k: v for k, v in recipes.items() if v is None or not mixes_time(*v)}


def body_layout(input_layout: str) -> str:
    """Tokens become sequences after the embedding stem."""
    return "sequence" if input_layout == "tokens" else input_layout


def weighted(op: str) -> bool:
    """Whether an op takes a width."""
    return "width" in OPS[op].params


def recipe(layout: str, name: str) -> tuple[str, dict]:
    """A body recipe by name: one of ``BODY[layout]``, or ``"expr:<expression>"``, a found
    activation (``--space-option activations=best/activation.json``)."""
    if name.startswith(EXPR_PREFIX):
        return "expr", {"expression": canonical(name[len(EXPR_PREFIX):])}
    return BODY[layout][name]


def activation_recipes(sources) -> list[str]:
    """Recipe names of found activations: each source is an ``activation.json`` file that an
    activation search wrote, or an expression itself (ValueError if neither)."""
    if isinstance(sources, str):
        sources = [sources]
    names = []
    for source in sources:
        path = Path(source)
        if path.suffix == ".json":
            try:
                expression = json.loads(path.read_text(encoding="utf-8"))["expression"]
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise ValueError(f"{source}: not an activation file with an 'expression' "
                                 f"({type(err).__name__})") from None
        else:
            expression = source
        names.append(EXPR_PREFIX + canonical(expression))
    return names
