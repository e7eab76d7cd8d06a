"""B12: multi-fidelity search. Evolution with ASHA against plain evolution at twice its time, on
MNIST-1D and the adding problem, and a hybrid search with ASHA in its exploration (B2's bar).

Run:  .venv/bin/python benchmarks/bench_fidelity.py [--seeds 3] [--workers 2]
          [--fast 10m] [--slow 20m] [--hybrid 20m] [--tasks mnist1d,adding]
          [--only evolution|hybrid] [--fidelity asha] [--min-steps N] [--eta 3]
          [--trial-steps N] [--hybrid-space macro|blocks]
          [--retrain-steps 3000] [--out runs/b12]

Per task and seed s: ``graphnas search --task TASK --strategy evolution --fidelity FIDELITY
--budget FAST --workers W --seed s`` and ``graphnas search --task TASK --strategy evolution
--budget SLOW --workers W --seed s`` (no fidelity); on MNIST-1D also ``graphnas search --task
mnist1d --strategy hybrid --fidelity FIDELITY --budget HYBRID --workers W --seed s`` (``--space
HYBRID_SPACE`` where given: the blocks space has a supergraph too). Each is a
whole search: the search, the finalists and the retraining under the standard protocol, scored
once on the test split. One Markdown table: per task and search, each seed's test metric and
the mean +- std, and whether the target holds: evolution with ASHA at FAST has at least plain
evolution's mean test accuracy at SLOW (at most its mean test MSE on the adding problem), and
the hybrid with ASHA reaches 99.0% on every seed. A run folder that holds a finished search is
read back, not searched again, and each finished search is kept in ``--record`` (a small
committed JSON file, keyed by the settings and the seed) so that seeds measured in one session
count in the next. Shorter budgets (``--fast 1m --slow 2m --hybrid 2m``) and
``--retrain-steps`` make a smoke test; the target is stated for the defaults.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from record import RESULTS, Record
from summaries import fmt, summary

import graphnas
from graphnas.api import parse_duration
from graphnas.tasks import LOWER_IS_BETTER, get_task

HYBRID_BAR = 0.990  # B2: the hybrid's test accuracy on MNIST-1D, on every seed


def search(out: Path, **settings) -> dict | None:
    """One search's row (test metric, minutes, trials, retraining steps); None if it failed."""
    done, minutes = out / "result.json", None  # minutes: None when read back from the folder
    if not done.exists():
        t0 = time.perf_counter()
        try:
            graphnas.search(out=str(out), progress="quiet", **settings)
        except Exception as err:  # noqa: BLE001  (a failed search is a row; the others go on)
            print(f"<!-- {out.name}: failed: {type(err).__name__}: {err} -->", flush=True)
            return None
        minutes = (time.perf_counter() - t0) / 60
    r = json.loads(done.read_text())
    return {"test": r["test_metric"], "minutes": minutes,
            "trials": r.get("trials"), "retrain_steps": r.get("retrain_steps")}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="mnist1d,adding")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--fast", default="10m", help="evolution with the fidelity schedule")
    ap.add_argument("--slow", default="20m", help="plain evolution")
    ap.add_argument("--hybrid", default="20m", help="the hybrid with the schedule on "
                    "MNIST-1D ('0' to leave it out)")
    ap.add_argument("--hybrid-space", default=None, choices=("macro", "blocks"),
                    help="the hybrid's space (default: the task's)")
    ap.add_argument("--only", choices=("evolution", "hybrid"), default=None,
                    help="run (and print) only these searches")
    ap.add_argument("--fidelity", default="asha", choices=("asha", "hyperband"))
    ap.add_argument("--min-steps", type=int, default=None)
    ap.add_argument("--eta", type=int, default=3)
    ap.add_argument("--trial-steps", type=int, default=None, help="(default graphnas's)")
    ap.add_argument("--retrain-steps", type=int, default=None, help="(default graphnas's)")
    ap.add_argument("--out", default=None, help="run folders (default: a temporary one)")
    ap.add_argument("--record", default=str(RESULTS / "b12.json"),
                    help="finished searches, read back before searching")
    args = ap.parse_args()
    record = Record(args.record)
    root = Path(args.out or tempfile.mkdtemp(prefix="b12-fidelity-"))
    root.mkdir(parents=True, exist_ok=True)
    common = {k: v for k, v in (("trial_steps", args.trial_steps),
                                ("retrain_steps", args.retrain_steps)) if v is not None}
    rungs = {"fidelity": args.fidelity, "eta": args.eta, "min_steps": args.min_steps}
    hybrid = parse_duration(args.hybrid)
    rows = []  # (task, search, budget, [metric per seed], [trials per seed])
    for task in [t for t in args.tasks.split(",") if t]:
        plans = [("evolution", f"evolution + {args.fidelity}", args.fast, rungs),
                 ("evolution", "evolution", args.slow, {})]
        if task == "mnist1d" and hybrid:
            spaced = {**rungs, **({"space": args.hybrid_space} if args.hybrid_space else {})}
            name = f"hybrid + {args.fidelity}" + (f" on {args.hybrid_space}"
                                                  if args.hybrid_space else "")
            plans.append(("hybrid", name, args.hybrid, spaced))
        for strategy, name, budget, extra in plans:
            if args.only not in (None, strategy):
                continue
            metrics, trials = [], []
            for seed in range(args.seeds):
                folder = root / f"{task}-{name.replace(' + ', '-').replace(' on ', '-')}-" \
                                f"{budget}-s{seed}"
                key = f"{folder.name}-w{args.workers}" + "".join(
                    f"-{k}{v}" for k, v in sorted({**common, **extra}.items()))
                done = record.get(key)
                if done is None:
                    done = search(folder, task=task, strategy=strategy, budget=budget,
                                  seed=seed, workers=args.workers, **common, **extra)
                    if done is not None:
                        record.put(key, done)
                done = done or {}
                metrics.append(done.get("test"))
                trials.append(done.get("trials"))
                print(f"<!-- {folder.name}: test {done.get('test')} "
                      f"({done.get('minutes')} min, {done.get('trials')} trials) -->",
                      flush=True)
            rows.append((task, name, budget, metrics, trials))
    print(table(rows, args))
    print(f"\nRun folders: {root}")


def table(rows: list, args) -> str:
    """The Markdown table, with each target's verdict."""
    out = [f"B12: {args.seeds} seeds, {args.workers} workers, fidelity {args.fidelity} "
           f"(eta {args.eta}, min steps {args.min_steps or 'default'})", "",
           "| task | search | budget | trials per seed | test per seed | mean +- std | target |",
           "| --- | --- | --- | --- | --- | --- | --- |"]
    means = {(task, name): summary(metrics)[0] for task, name, _, metrics, _ in rows}
    for task, name, budget, metrics, trials in rows:
        mse = get_task(task).metric in LOWER_IS_BETTER
        mean, std = summary(metrics)
        verdict = ""
        if name.startswith("evolution +"):
            plain = means.get((task, "evolution"))
            if mean is not None and plain is not None:
                met = mean <= plain if mse else mean >= plain
                verdict = ("met" if met else "not met") + f" (plain at {args.slow}: " \
                    f"{fmt(plain, mse)})"
        elif name.startswith("hybrid"):
            met = all(m is not None and m >= HYBRID_BAR for m in metrics)
            verdict = ("met" if met else "not met") + " (>= 99.0% on every seed)"
        per_seed = ", ".join(fmt(m, mse) for m in metrics)
        spread = "-" if mean is None else f"{fmt(mean, mse)} +- {fmt(std, mse)}"
        counts = ", ".join("-" if t is None else str(t) for t in trials)
        out.append(f"| {task} | {name} | {budget} | {counts} | {per_seed} | {spread} | "
                   f"{verdict} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
