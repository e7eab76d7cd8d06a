"""Cheap objectives for driver tests (module level, so worker processes can import them)."""

from __future__ import annotations

import json
import time


def toy_score(arch_json: str, seed: int) -> dict:
    """The toy objective of the strategy suite, from a ToyArch's JSON."""
    choices = json.loads(arch_json)["choices"]
    score = sum(c == (1 if i % 2 else 3) for i, c in enumerate(choices)) / len(choices)
    return {"status": "ok", "score": score, "valid": {"match": score}, "params": len(choices)}


def slow_toy_score(arch_json: str, seed: int) -> dict:
    time.sleep(0.3)
    return toy_score(arch_json, seed)


def flaky(arch_json: str, seed: int) -> dict:
    if seed % 3 == 0:
        raise RuntimeError("worker code blew up")
    if seed % 3 == 1:
        return {"status": "failed", "score": None, "error": "non-finite loss at step 3"}
    return toy_score(arch_json, seed)


def outcome_score(arch_json: str, seed: int):
    """The toy objective as a TrialOutcome; every third seed fails."""
    from graphnas.driver import TrialOutcome

    if seed % 3 == 0:
        return TrialOutcome(None, error="diverged")
    score = toy_score(arch_json, seed)["score"]
    return TrialOutcome(score, {"valid": {"match": score}}, params=6, seconds=0.01)


def sized_toy_score(arch_json: str, seed: int) -> dict:
    """The toy objective with a size that varies (the sum of the choices, plus one): a score
    and a cost that pull apart, for searches of several objectives."""
    out = toy_score(arch_json, seed)
    return {**out, "params": 1 + sum(json.loads(arch_json)["choices"]),
            "metrics": {"latency_ms": {"batch1": 0.5 + len(arch_json) / 100}}}


def genome_score(arch_json: str, seed: int) -> dict:
    """The strategy suite's toy score of a genome (see strategies.toy.genome_objective)."""
    from graphnas.graph import from_json
    from strategies.toy import genome_objective

    score = genome_objective(from_json(arch_json))
    return {"status": "ok", "score": score, "valid": {"match": score}, "params": 1}


def lossy_toy_score(arch_json: str, seed: int) -> dict:
    """The toy score with a validation loss that ranks candidates the other way round from
    it (the sum of the choices): what a strategy told the loss sees differs from the score."""
    out = toy_score(arch_json, seed)
    loss = 0.1 + sum(json.loads(arch_json)["choices"]) / 10
    return {**out, "valid": {"accuracy": out["score"], "loss": loss}}
