"""B10: PNAS against regularised evolution on the same ``blocks`` space, at equal wall time.

Run:  .venv/bin/python benchmarks/bench_pnas.py --tasks mnist1d digits --budget 20m \\
          --seeds 3 --workers 2 [--space-option blocks=5] [--strategy-option beam=8]

Each (task, strategy, seed) is a full ``graphnas.search`` on ``--space blocks`` (search, then
the best cell retrained with the standard protocol and scored once on the test split) in its own
run directory under ``--out``; a directory that holds a finished search is read back. For PNAS
the predictor's Spearman rank correlation per round is read from the strategy's state in the run
directory (``state-search.json``). Prints a Markdown table (mean test metric, trials, the
predictor's Spearman on its last round, the same on its best-ranked cells alone where
``--strategy-option probes=N`` also trained randomly drawn ones, and its mean over rounds) and
B10's verdict per task:
PNAS's mean test at least evolution's, and its mean last-round Spearman at least 0.4. With
``--retest``, the last cells each PNAS search trained (one round) are trained again with other
weights on the same split, and the Spearman between the two scores is the column "retest
Spearman": how far the search's own scores rank those cells reproducibly (the scores'
reliability; under additive noise a predictor of the cells' true quality reaches about its
square root against the search's scores); the same for their validation losses beside it
(what ``pnas`` is told by default, ``signal=loss``). Writes
``results.json`` in ``--out``. Each finished search is also kept in ``--record`` (a small
committed JSON file, keyed by the settings and the seed) and read back instead of being run
again, so seeds measured in one session count in the next.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from record import RESULTS, Record

import graphnas
from graphnas.api import parse_duration
from graphnas.methods.types import parse_assignments

STRATEGIES = ("pnas", "evolution")
RETEST_SEED = 10_000  # added to each trial's seed for its second training


def one_search(task: str, strategy: str, seed: int, budget: float, workers: int,
               retrain_steps: int, out: Path, space_options: dict, strategy_options: dict,
               trial_steps: int | None = None) -> dict:
    """One search's summary (read back if finished), with PNAS's rounds."""
    done = out / "result.json"
    t0 = time.perf_counter()
    if done.exists():
        r = json.loads(done.read_text())
    else:
        try:
            steps = {} if trial_steps is None else {"trial_steps": trial_steps}
            r = graphnas.search(task=task, space="blocks", strategy=strategy, budget=budget,
                                seed=seed, workers=workers, retrain_steps=retrain_steps,
                                out=str(out), progress="quiet", baselines=False,
                                space_options=space_options,
                                strategy_options=strategy_options if strategy == "pnas"
                                else {}, **steps).summary()
        except Exception as err:  # noqa: BLE001  (a failed search is a result)
            return {"failed": f"{type(err).__name__}: {err}"}
    state = out / "state-search.json"
    rounds = json.loads(state.read_text())["strategy"].get("rounds", []) \
        if state.exists() else []
    rhos = [r_["spearman"] for r_ in rounds if r_.get("spearman") is not None]
    return {"test_metric": r.get("test_metric"), "trials": r.get("trials"),
            "minutes": (time.perf_counter() - t0) / 60, "rounds": rounds,
            "last_spearman": rhos[-1] if rhos else None, "mean_spearman": _mean(rhos)}


def retest(run: Path, task: str, seed: int, cells: int) -> dict:
    """The last ``cells`` cells the search trained, trained again as trials (same steps,
    split and evaluation) with other weights; the Spearman of first and second scores."""
    from graphnas.graph import from_json
    from graphnas.store import read_trials
    from graphnas.strategies.pnas_parts import spearman
    from graphnas.tasks import LOWER_IS_BETTER, get_task
    from graphnas.training import Budget, TrainConfig, train

    config = json.loads((run / "config.json").read_text())["settings"]
    steps = config["trial_steps"]
    data = get_task(task, seed=seed)
    sign = -1.0 if data.metric in LOWER_IS_BETTER else 1.0
    done = [t for t in read_trials(run) if t.phase == "search" and t.score is not None]
    first, again, losses = [], [], []
    for t in done[-cells:]:
        r = train(from_json(t.arch_json, "trial graph"), data,
                  Budget(steps=steps), TrainConfig(eval_every=max(1, steps // 3),
                                                   seed=t.seed + RETEST_SEED))
        if r.ok and r.valid_metric is not None:
            first.append(t.score)
            again.append(sign * r.valid_metric)
            losses.append(((t.metrics.get("valid") or {}).get("loss"), r.valid.get("loss")))
    pairs = [(a, b) for a, b in losses if a is not None and b is not None]
    return {"cells": len(first), "first": first, "again": again,
            "spearman": spearman(first, again),
            "loss_spearman": spearman(*zip(*pairs)) if len(pairs) > 2 else None}


def _last_ranked(r: dict) -> float | None:
    """The last round's Spearman on its best-ranked cells alone (the probes left out)."""
    rhos = [x.get("spearman_ranked", x.get("spearman")) for x in r.get("rounds", [])
            if x.get("spearman") is not None]
    return rhos[-1] if rhos else None


def _mean(xs: list) -> float | None:
    xs = [x for x in xs if x is not None]
    return statistics.mean(xs) if xs else None


def _fmt(x: float | None, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", nargs="+", default=["mnist1d", "digits"])
    ap.add_argument("--strategies", nargs="+", default=list(STRATEGIES))
    ap.add_argument("--budget", default="20m", help="per search (search + retrain)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--retrain-steps", type=int, default=3000)
    ap.add_argument("--trial-steps", type=int, default=None,
                    help="training steps per trial (default: graphnas's; for smoke runs)")
    ap.add_argument("--space-option", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--strategy-option", action="append", default=[], metavar="KEY=VALUE",
                    help="PNAS's options (evolution keeps its defaults)")
    ap.add_argument("--retest", type=int, default=0, metavar="CELLS",
                    help="train each PNAS search's last CELLS cells again (9: one round)")
    ap.add_argument("--out", default="runs/bench_pnas")
    ap.add_argument("--record", default=str(RESULTS / "b10.json"),
                    help="finished searches, read back before searching")
    args = ap.parse_args()
    record = Record(args.record)
    budget = parse_duration(args.budget)
    space_options = parse_assignments(args.space_option, "--space-option")
    strategy_options = parse_assignments(args.strategy_option, "--strategy-option")
    print(f"B10: blocks space {space_options or '(defaults)'}, budget {args.budget} per "
          f"search, {args.seeds} seed(s), {args.workers} worker(s)", flush=True)
    results: dict = {}
    for task in args.tasks:
        for strategy in args.strategies:
            for seed in range(args.seeds):
                out = Path(args.out) / task / strategy / f"seed{seed}"
                options = strategy_options if strategy == "pnas" else {}
                key = (f"{task}-{strategy}-{args.budget}-w{args.workers}-retrain"
                       f"{args.retrain_steps}-trial{args.trial_steps}-space"
                       f"{json.dumps(space_options, sort_keys=True)}-options"
                       f"{json.dumps(options, sort_keys=True)}-s{seed}")
                r = record.get(key)
                if r is None:
                    r = one_search(task, strategy, seed, budget, args.workers,
                                   args.retrain_steps, out, space_options, strategy_options,
                                   args.trial_steps)
                    if "failed" not in r:
                        record.put(key, r)
                if args.retest and strategy == "pnas" and "failed" not in r:
                    r = {**r, "retest": record.get(f"{key}-retest{args.retest}")}
                    if r["retest"] is None and (out / "trials.sqlite").exists():
                        r["retest"] = retest(out, task, seed, args.retest)
                        record.put(f"{key}-retest{args.retest}", r["retest"])
                results.setdefault(task, {}).setdefault(strategy, []).append(r)
                print(f"  {task} {strategy} seed {seed}: test {_fmt(r.get('test_metric'))}, "
                      f"{r.get('trials')} trials, last Spearman "
                      f"{_fmt(r.get('last_spearman'), 2)} {r.get('failed', '')}", flush=True)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    (Path(args.out) / "results.json").write_text(json.dumps(results, indent=2))
    print("\n| task | strategy | mean test | test per seed | mean trials | "
          "last-round Spearman (mean) | the same, best-ranked cells only | "
          "Spearman, mean over rounds | retest Spearman, score | the same, loss |\n"
          "|---|---|---|---|---|---|---|---|---|---|")
    for task, by in results.items():
        for strategy, rs in by.items():
            tests = [r.get("test_metric") for r in rs]
            print(f"| {task} | {strategy} | {_fmt(_mean(tests))} | "
                  f"{', '.join(_fmt(t) for t in tests)} | "
                  f"{_fmt(_mean([r.get('trials') for r in rs]), 1)} | "
                  f"{_fmt(_mean([r.get('last_spearman') for r in rs]), 2)} | "
                  f"{_fmt(_mean([_last_ranked(r) for r in rs]), 2)} | "
                  f"{_fmt(_mean([r.get('mean_spearman') for r in rs]), 2)} | "
                  f"{_fmt(_mean([(r.get('retest') or {}).get('spearman') for r in rs]), 2)} | "
                  f"{_fmt(_mean([(r.get('retest') or {}).get('loss_spearman') for r in rs]), 2)}"
                  " |")
    for task, by in results.items():
        if not set(STRATEGIES) <= set(by):
            continue
        p = _mean([r.get("test_metric") for r in by["pnas"]])
        e = _mean([r.get("test_metric") for r in by["evolution"]])
        rho = _mean([r.get("last_spearman") for r in by["pnas"]])
        ok = None not in (p, e, rho) and p >= e and rho >= 0.4
        print(f"B10 {task}: PNAS {_fmt(p)} vs evolution {_fmt(e)}, Spearman {_fmt(rho, 2)}: "
              f"{'met' if ok else 'not met'}")


if __name__ == "__main__":
    main()
