"""Nested calls as text, the syntax of the activation and update-rule languages:
``expr := LEAF | UNARY "(" expr ")" | BINARY "(" expr "," expr ")"``, read into trees of tuples
(``(leaf,)``, ``(unary, tree)``, ``(binary, tree, tree)``) and written back."""

from __future__ import annotations

import re
from collections.abc import Collection

Tree = tuple
_TOKEN = re.compile(r"\s*([A-Za-z_][A-Za-z_0-9]*|[(),])")


def parse_calls(text: str, what: str, leaves: Collection[str], unary: Collection[str],
                binary: Collection[str]) -> Tree:
    """The tree of ``text``; a ValueError that names ``what`` (e.g. "update rule") and what is
    wrong. A name that is both a leaf and a function is a leaf unless a ``(`` follows it."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"an {what} must be a non-empty string")
    tokens, pos = [], 0
    while pos < len(text.rstrip()):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"{what} {text!r}: unexpected {text[pos:].strip()!r}")
        tokens.append(m.group(1))
        pos = m.end()

    def call(tokens: list[str]) -> tuple[Tree, list[str]]:
        if not tokens:
            raise ValueError(f"{what} {text!r} ends too early")
        name, rest = tokens[0], tokens[1:]
        if name in leaves and (not rest or rest[0] != "("):
            return (name,), rest
        arity = 1 if name in unary else 2 if name in binary else 0
        if not arity:
            raise ValueError(f"{what} {text!r}: unknown name {name!r}; use "
                             f"{', '.join([*leaves, *unary, *binary])}")
        if not rest or rest[0] != "(":
            raise ValueError(f"{what} {text!r}: {name} needs '('")
        args, rest = [], rest[1:]
        for i in range(arity):
            arg, rest = call(rest)
            args.append(arg)
            want = "," if i < arity - 1 else ")"
            if not rest or rest[0] != want:
                raise ValueError(f"{what} {text!r}: {name} takes {arity} "
                                 f"argument{'s' if arity > 1 else ''}; expected {want!r}")
            rest = rest[1:]
        return (name, *args), rest

    tree, rest = call(tokens)
    if rest:
        raise ValueError(f"{what} {text!r}: unexpected {' '.join(rest)!r} at the end")
    return tree


def unparse_calls(tree: Tree) -> str:
    """The canonical text of a tree (``parse_calls(unparse_calls(t), ...) == t``)."""
    if len(tree) == 1:
        return tree[0]
    return f"{tree[0]}({', '.join(unparse_calls(a) for a in tree[1:])})"
