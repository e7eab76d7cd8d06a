"""Issue 10 on a GPU: per-trial time eager vs captured (CUDA graph), and trials per hour per GPU.

Run:  python benchmarks/bench_gpu.py [--part trial|throughput|profile|all] [--steps 3000]
      [--repeats 1] [--graphs gru ...] [--modes eager captured bf16]
      [--concurrency 1 4 8 16] [--json FILE]

``trial``: each MNIST-1D baseline and the memory-link GRU graph (the GRU written with primitive
ops, four memory links, a loop over the 40 time steps) trained for ``--steps`` steps under the
standard protocol, eagerly (``cuda_graph="off"``) and captured, in alternation, the median of
``--repeats`` each; also bf16 autocast (captured). The validation accuracy of each run is shown:
eager and captured runs of the same seed should agree closely.

``throughput``: MNIST-1D trials of ``--steps`` steps (the batch-norm CNN baseline, seeds varying)
through the processes executor, with 1, 4, 8 and 16 trials in flight on one GPU. The pool is
warmed first (imports, CUDA context, the task), then ``max(2 * n, 8)`` trials are timed from the
first submit to the last result.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from concurrent.futures import wait

import torch

from graphnas.driver import TrainingObjective
from graphnas.execution import ProcessExecutor
from graphnas.tasks import get_task
from graphnas.tasks.baselines import baselines_for
from graphnas.training import Budget, TrainConfig, train

MODES = {"eager": TrainConfig(cuda_graph="off"), "captured": TrainConfig(),
         "bf16": TrainConfig(precision="bf16")}


def trial_times(steps: int, repeats: int, names: list[str] | None = None,
                modes: list[str] | None = None) -> list[dict]:
    task = get_task("mnist1d")
    graphs = baselines_for("mnist1d")  # bn_cnn, cnn, conv_gru, gru (the memory-link GRU)
    rows = []
    for name, graph in graphs.items():
        if names and name not in names:
            continue
        configs = {m: c for m, c in MODES.items() if not modes or m in modes}
        runs: dict[str, list] = {m: [] for m in configs}
        for _ in range(repeats):
            for mode, cfg in configs.items():
                torch.cuda.synchronize()
                r = train(graph, task, Budget(steps=steps), cfg)
                assert r.ok, (name, mode, r.error)
                runs[mode].append(r)
        first = next(iter(runs.values()))[0]
        row = {"graph": name, "params": first.params}
        for mode, rs in runs.items():
            row[f"{mode}_s"] = statistics.median(r.seconds for r in rs)
            row[f"{mode}_all_s"] = [round(r.seconds, 3) for r in rs]
            row[f"{mode}_valid"] = rs[0].valid_metric
            row[f"{mode}_step_mode"] = rs[0].step_mode
        if "eager" in runs and "captured" in runs:
            row["speedup"] = row["eager_s"] / row["captured_s"]
        rows.append(row)
        cells = "  ".join(f"{m} {row[f'{m}_s']:6.2f} s (valid {row[f'{m}_valid']:.4f})"
                          for m in runs)
        speedup = f"  x{row['speedup']:4.1f}" if "speedup" in row else ""
        print(f"{name:<10} params {row['params']:>6}  {cells}{speedup}", flush=True)
    return rows


def throughput(steps: int, concurrency: list[int], graph_name: str = "bn_cnn") -> list[dict]:
    task = get_task("mnist1d")
    arch = baselines_for("mnist1d")[graph_name].to_json(None)
    objective = TrainingObjective(task.ref, Budget(steps=steps),
                                  TrainConfig(eval_every=max(1, steps // 10)))
    warm = TrainingObjective(task.ref, Budget(steps=20), TrainConfig(eval_every=20))
    rows = []
    for n in concurrency:
        ex = ProcessExecutor(n, threads_per_worker=1)
        try:
            for f in [ex.submit(warm, arch, s) for s in range(n)]:
                f.result()
            count = max(2 * n, 8)
            t0 = time.perf_counter()
            futures = [ex.submit(objective, arch, s) for s in range(count)]
            wait(futures)
            elapsed = time.perf_counter() - t0
            results = [f.result() for f in futures]
        finally:
            ex.shutdown()
        ok = [r for r in results if r["status"] == "ok"]
        row = {"concurrent": n, "trials": count, "ok": len(ok), "seconds": elapsed,
               "trials_per_hour": len(ok) / elapsed * 3600,
               "mean_trial_s": statistics.mean(r["seconds"] for r in ok) if ok else None,
               "step_modes": sorted({r["step_mode"] for r in results}),
               "valid_mean": statistics.mean(r["score"] for r in ok) if ok else None}
        rows.append(row)
        print(f"{n:>3} in flight: {len(ok)}/{count} trials in {elapsed:6.1f} s -> "
              f"{row['trials_per_hour']:7.0f} trials/h (mean trial {row['mean_trial_s']:.1f} s,"
              f" valid {row['valid_mean']:.4f}) {row['step_modes']}", flush=True)
    return rows


def profile(graph_name: str = "gru") -> dict:
    """CUDA kernels in one eager training step (what a captured step replays), by name, and the
    captured trial's time per step and fixed cost, from trials of 300 and 3,000 steps."""
    from torch.profiler import ProfilerActivity
    from torch.profiler import profile as torch_profile

    task = get_task("mnist1d")
    graph = baselines_for("mnist1d")[graph_name]
    train(graph, task, Budget(steps=5), TrainConfig(cuda_graph="off"))  # handles, warm-up
    with torch_profile(activities=[ProfilerActivity.CUDA]) as prof:
        train(graph, task, Budget(steps=10), TrainConfig(cuda_graph="off", eval_every=10))
    kernels = [e for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    by_name: dict[str, int] = {}
    for e in kernels:
        by_name[e.name[:60]] = by_name.get(e.name[:60], 0) + 1
    short = train(graph, task, Budget(steps=300), TrainConfig()).seconds
    long = train(graph, task, Budget(steps=3000), TrainConfig()).seconds
    per_step_ms = (long - short) / 2700 * 1000
    out = {"graph": graph_name, "kernels_per_step": len(kernels) / 10,
           "per_step_ms": per_step_ms, "fixed_s": long - per_step_ms * 3,
           "top": sorted(by_name.items(), key=lambda kv: -kv[1])[:25]}
    print(f"{graph_name}: {out['kernels_per_step']:.0f} kernels per step (10 steps + 1 eval); "
          f"captured {per_step_ms:.3f} ms per step, fixed {out['fixed_s']:.2f} s")
    for name, n in out["top"]:
        print(f"  {n / 10:7.1f}  {name}")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=["trial", "throughput", "profile", "all"], default="all")
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 4, 8, 16])
    ap.add_argument("--graphs", nargs="+", help="only these MNIST-1D baselines (trial part)")
    ap.add_argument("--modes", nargs="+", choices=list(MODES), help="only these (trial part)")
    ap.add_argument("--json", help="write the figures to this file")
    args = ap.parse_args()
    if not torch.cuda.is_available():
        raise SystemExit("bench_gpu.py needs a CUDA GPU")
    props = torch.cuda.get_device_properties(0)
    print(f"device: {props.name}, torch {torch.__version__}, {args.steps} steps per trial",
          flush=True)
    out: dict = {"device": props.name, "torch": torch.__version__, "steps": args.steps}
    if args.part in ("trial", "all"):
        out["trial"] = trial_times(args.steps, args.repeats, args.graphs, args.modes)
    if args.part == "profile":
        out["profile"] = profile()
    if args.part in ("throughput", "all"):
        out["throughput"] = throughput(args.steps, args.concurrency)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
