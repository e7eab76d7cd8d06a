"""Hand-designed families for ``bench_peer.py``: a batch-norm CNN and a stacked GRU, each a
function from a few hyperparameters to a graphnas :class:`Graph` (so that they train with
exactly graphnas's trainer and protocol), and the Optuna search space over them.

Example::

    g = bn_cnn(widths=(32, 64, 64), kernels=(5, 3, 3), strides=(1, 2, 2))  # mnist1d_bn_cnn
    g = gru(width=32, layers=2)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphnas.graph import Edge, Graph, MemoryLink, Node

WIDTHS = (16, 32, 64, 128)  # choices of a conv layer's channels or a GRU's width
KERNELS = (3, 5, 7)  # a conv layer's kernel
DEPTHS = (2, 5)  # conv-BN-ReLU layers, least and most
READOUTS = ("flatten", "global_avg_pool")
LR = (3e-4, 3e-2)  # the peak learning rate's range, sampled on a log scale


def bn_cnn(widths: Sequence[int], kernels: Sequence[int], strides: Sequence[int],
           readout: str = "flatten") -> Graph:
    """Conv-BN-ReLU layers in a chain, then a flatten (or global average pooling) readout;
    with ``widths=(32, 64, 64), kernels=(5, 3, 3), strides=(1, 2, 2)`` this is the shipped
    ``mnist1d_bn_cnn`` baseline."""
    if not len(widths) == len(kernels) == len(strides):
        raise ValueError("one width, kernel and stride per layer")
    nodes: list[Node] = []
    edges: list[Edge] = []
    src = "x"
    for i, (w, k, s) in enumerate(zip(widths, kernels, strides), start=1):
        conv = {"kernel": k, "width": w, **({"stride": s} if s != 1 else {})}
        nodes += [Node(f"conv{i}", "conv1d", conv), Node(f"bn{i}", "batch_norm"),
                  Node(f"act{i}", "relu")]
        edges += [Edge(src, f"conv{i}"), Edge(f"conv{i}", f"bn{i}"), Edge(f"bn{i}", f"act{i}")]
        src = f"act{i}"
    out = "flat" if readout == "flatten" else "pool"
    nodes.append(Node(out, readout))
    edges.append(Edge(src, out))
    return Graph(inputs=("x",), nodes=tuple(nodes), edges=tuple(edges), output=out,
                 name="bn_cnn")


def gru(width: int, layers: int = 1) -> Graph:
    """``layers`` GRU cells stacked, each fed the one below's state; one layer of width 16 is
    the shipped ``gru`` example (node for node, memory links included)."""
    nodes: list[Node] = []
    edges: list[Edge] = []
    memory: list[MemoryLink] = []
    src = "x"
    for layer in range(1, layers + 1):
        p = "" if layer == 1 else f"l{layer}_"

        def n(name: str, p: str = p) -> str:
            return p + name

        nodes += [
            Node(n("r_pre"), "linear", {"width": width}, merge="concat"),
            Node(n("r"), "sigmoid"),
            Node(n("z_pre"), "linear", {"width": width}, merge="concat"),
            Node(n("z"), "sigmoid"),
            Node(n("xn"), "linear", {"width": width}),
            Node(n("hn"), "linear", {"width": width}),
            Node(n("rhn"), "identity", merge="mul"),  # r * (W h)
            Node(n("n"), "tanh", merge="add"),  # candidate state
            Node(n("h"), "identity", merge="interp"),  # (1 - z) * h + z * n
        ]
        edges += [
            Edge(src, n("r_pre")), Edge(n("r_pre"), n("r")),
            Edge(src, n("z_pre")), Edge(n("z_pre"), n("z")),
            Edge(src, n("xn")), Edge(n("r"), n("rhn")), Edge(n("hn"), n("rhn")),
            Edge(n("xn"), n("n")), Edge(n("rhn"), n("n")),
            Edge(n("z"), n("h")), Edge(n("n"), n("h"), port=2),
        ]
        memory += [
            MemoryLink(n("h"), n("r_pre"), port=1), MemoryLink(n("h"), n("z_pre"), port=1),
            MemoryLink(n("h"), n("hn")), MemoryLink(n("h"), n("h"), port=1),
        ]
        src = n("h")
    return Graph(inputs=("x",), nodes=tuple(nodes), edges=tuple(edges), output=src,
                 memory=tuple(memory), name="gru")


@dataclass(frozen=True)
class Family:
    """A hand-designed family as Optuna tunes it: ``suggest`` draws a configuration from an
    Optuna trial (define-by-run; ``lr`` always among it), ``build`` makes its graph, and
    ``start`` is the hand-designed configuration the study tries first."""

    name: str
    suggest: Callable[[Any], dict[str, Any]]
    build: Callable[[dict[str, Any]], Graph]
    start: dict[str, Any]
    describe: Callable[[dict[str, Any]], str]


def _suggest_cnn(trial) -> dict[str, Any]:
    depth = trial.suggest_int("depth", *DEPTHS)
    for i in range(depth):
        trial.suggest_categorical(f"width{i}", WIDTHS)
        trial.suggest_categorical(f"kernel{i}", KERNELS)
        trial.suggest_categorical(f"stride{i}", (1, 2))
    trial.suggest_categorical("readout", READOUTS)
    trial.suggest_float("lr", *LR, log=True)
    return dict(trial.params)


def _build_cnn(p: dict[str, Any]) -> Graph:
    d = range(p["depth"])
    return bn_cnn([p[f"width{i}"] for i in d], [p[f"kernel{i}"] for i in d],
                  [p[f"stride{i}"] for i in d], p["readout"])


def _describe_cnn(p: dict[str, Any]) -> str:
    layers = "/".join(f"{p[f'width{i}']}k{p[f'kernel{i}']}" + ("s2" if p[f"stride{i}"] == 2
                                                                 else "")
                      for i in range(p["depth"]))
    readout = "flat" if p["readout"] == "flatten" else "gap"
    return f"{layers} {readout}, lr {p['lr']:.1e}"


def _suggest_gru(trial) -> dict[str, Any]:
    trial.suggest_categorical("width", WIDTHS)
    trial.suggest_int("layers", 1, 2)
    trial.suggest_float("lr", *LR, log=True)
    return dict(trial.params)


def _describe_gru(p: dict[str, Any]) -> str:
    return f"{p['layers']} x {p['width']}, lr {p['lr']:.1e}"


BN_CNN = Family(
    "bn_cnn", _suggest_cnn, _build_cnn,
    # the shipped mnist1d_bn_cnn baseline with the standard protocol's learning rate
    {"depth": 3, "width0": 32, "kernel0": 5, "stride0": 1, "width1": 64, "kernel1": 3,
     "stride1": 2, "width2": 64, "kernel2": 3, "stride2": 2, "readout": "flatten", "lr": 3e-3},
    _describe_cnn)
GRU = Family("gru", _suggest_gru, lambda p: gru(p["width"], p["layers"]),
             {"width": 32, "layers": 1, "lr": 3e-3}, _describe_gru)

FAMILIES = {"mnist1d": BN_CNN, "adding": GRU}  # task -> the family a PyTorch user would tune
