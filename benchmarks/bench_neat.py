"""B11: NEAT and weight inheritance. Regularised evolution with and without inherited weights,
and NEAT, on MNIST-1D and the adding problem, at equal wall time.

Run:  .venv/bin/python benchmarks/bench_neat.py [--seeds 3] [--workers 2] [--budget 10m]
          [--tasks mnist1d,adding] [--searches evolution,evolution-inherit,neat,neat-inherit]
          [--trial-steps N] [--retrain-steps N] [--out runs/b11]
          [--record benchmarks/results/b11.json]

Per task, search and seed s, one whole ``graphnas search --task TASK --budget BUDGET
--workers W --seed s`` (the search, the finalists and the retraining under the standard
protocol, scored once on the test split), with:

- ``evolution``: ``--strategy evolution`` (the macro space);
- ``evolution-inherit``: the same with ``--strategy-option inherit_weights=true``;
- ``neat``: ``--strategy neat --space genome``;
- ``neat-inherit``: the same with ``inherit_weights=true``.

One Markdown table: per task and search, the architectures trained in the search phase (trials
that trained, not cached repeats), those that started from inherited weights and how many of
those started as exactly their parent's function (output difference below 1e-4), each seed's
test metric and the mean +- std. The targets: evolution with inherited weights trains at least
twice as many architectures as without, at an equal or better mean test score; NEAT's mean test
score is at least regularised evolution's on both tasks. Seeds run one after another (every
task and search of seed 0 first); a run folder that holds a finished search is read back, not
searched again, and one that holds a stopped search resumes it. Each finished search's row is
also kept in ``--record`` (a small committed JSON file, keyed by the run folder's name), so that
seeds measured in one session count in the next, where the run folders are gone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from record import RESULTS, Record
from summaries import fmt, summary

import graphnas
from graphnas.store import TrialState, read_trials
from graphnas.tasks import LOWER_IS_BETTER, get_task

SEARCHES = {
    "evolution": {"strategy": "evolution"},
    "evolution-inherit": {"strategy": "evolution",
                          "strategy_options": {"inherit_weights": True}},
    "neat": {"strategy": "neat", "space": "genome"},
    "neat-inherit": {"strategy": "neat", "space": "genome",
                     "strategy_options": {"inherit_weights": True}},
}
EXACT = 1e-4  # an inheriting child whose first outputs are this close to its parent's


def search(out: Path, **settings) -> dict:
    """One search: its test metric (None: it handed back nothing), minutes, and the search
    phase's trained, inheriting and exactly inheriting trials."""
    t0 = time.perf_counter()
    test = None
    done = out / "result.json"
    if done.exists():
        test = json.loads(done.read_text())["test_metric"]
    else:
        try:
            test = graphnas.search(out=str(out), progress="quiet", **settings).test_metric
        except Exception as err:  # noqa: BLE001  (a failed search is a row; the others go on)
            print(f"<!-- {out.name}: failed: {type(err).__name__}: {err} -->", flush=True)
    trained = [t for t in read_trials(out) if t.phase == "search" and not t.cached
               and t.state in (TrialState.COMPLETE, TrialState.FAILED)] if out.exists() else []
    heirs = [t.metrics["inherited"] for t in trained if "inherited" in (t.metrics or {})]
    return {"test": test, "minutes": (time.perf_counter() - t0) / 60, "trained": len(trained),
            "inherited": len(heirs),
            "exact": sum(h.get("difference", 1.0) < EXACT for h in heirs),
            "optimism": optimism(out)}


def optimism(out: Path) -> float | None:
    """How far the finalists' search scores overstate their scores when trained again from
    scratch (the finalist stage), on average: inherited training shows up here."""
    done = out / "result.json"
    finalists = json.loads(done.read_text()).get("finalists") if done.exists() else None
    gaps = [f["search_score"] - f["finalist_score"] for f in finalists or []
            if f.get("search_score") is not None and f.get("finalist_score") is not None]
    return statistics.mean(gaps) if gaps else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tasks", default="mnist1d,adding")
    ap.add_argument("--searches", default=",".join(SEARCHES))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--budget", default="10m")
    ap.add_argument("--trial-steps", type=int, default=None, help="(default graphnas's)")
    ap.add_argument("--retrain-steps", type=int, default=None, help="(default graphnas's)")
    ap.add_argument("--out", default=None, help="run folders (default: a temporary one)")
    ap.add_argument("--record", default=str(RESULTS / "b11.json"),
                    help="finished searches' rows, read back before searching")
    args = ap.parse_args()
    unknown = [s for s in args.searches.split(",") if s not in SEARCHES]
    if unknown:
        ap.error(f"unknown searches {unknown}; choose from {list(SEARCHES)}")
    root = Path(args.out or tempfile.mkdtemp(prefix="b11-neat-"))
    root.mkdir(parents=True, exist_ok=True)
    common = {k: v for k, v in (("trial_steps", args.trial_steps),
                                ("retrain_steps", args.retrain_steps)) if v is not None}
    tasks = [t for t in args.tasks.split(",") if t]
    names = args.searches.split(",")
    runs = {(task, name): [] for task in tasks for name in names}
    record = Record(args.record)
    for seed in range(args.seeds):  # seed by seed, so that a stopped run leaves whole seeds
        for task in tasks:
            for name in names:
                folder = root / f"{task}-{name}-{args.budget}-s{seed}"
                key = f"{folder.name}-w{args.workers}" + "".join(
                    f"-{k}{v}" for k, v in sorted(common.items()))
                r = record.get(key)
                if r is None:
                    r = search(folder, task=task, budget=args.budget, seed=seed,
                               workers=args.workers, **common, **SEARCHES[name])
                    if r["test"] is not None:
                        record.put(key, r)
                elif r.get("optimism") is None and (folder / "result.json").exists():
                    r = {**r, "optimism": optimism(folder)}  # a row from before the column
                    record.put(key, r)
                runs[task, name].append(r)
                print(f"<!-- {folder.name}: {r} -->", flush=True)
    rows = [(task, name, found) for (task, name), found in runs.items()]
    print(table(rows, args))
    print(f"\nRun folders: {root}")


def table(rows: list, args) -> str:
    """The Markdown table, with each target's verdict."""
    out = [f"B11: {args.seeds} seeds, {args.workers} workers, {args.budget} per search", "",
           "| task | search | trained (per seed) | inherited / exact | search - finalist score "
           "| test per seed | mean +- std | target |",
           "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    by = {(task, name): runs for task, name, runs in rows}
    for task, name, runs in rows:
        mse = get_task(task).metric in LOWER_IS_BETTER
        tests = [r["test"] for r in runs]
        mean, std = summary(tests)
        verdict = ""
        plain = by.get((task, "evolution"))
        if plain is not None and name != "evolution":
            base, _ = summary([r["test"] for r in plain])
            good = mean is not None and base is not None and (
                mean <= base if mse else mean >= base)
            if name == "evolution-inherit":
                ratio = sum(r["trained"] for r in runs) / max(1, sum(r["trained"]
                                                                     for r in plain))
                met = good and ratio >= 2
                verdict = f"{'met' if met else 'not met'} ({ratio:.1f}x the architectures"
            else:
                verdict = f"{'met' if good else 'not met'} (vs evolution"
            verdict += f"; evolution's mean {fmt(base, mse)})"
        trained = ", ".join(str(r["trained"]) for r in runs)
        heirs = f"{sum(r['inherited'] for r in runs)} / {sum(r['exact'] for r in runs)}"
        per_seed = ", ".join(fmt(t, mse) for t in tests)
        spread = "-" if mean is None else f"{fmt(mean, mse)} +- {fmt(std, mse)}"
        gap, _ = summary([r.get("optimism") for r in runs])
        out.append(f"| {task} | {name} | {trained} | {heirs} | {fmt(gap, mse)} | {per_seed} "
                   f"| {spread} | {verdict} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
