"""Benchmark: where the convergence rule stops nst-teach's defaults, and what more time would buy.

For each pair of pictures and each precision, one run of the defaults (bounded L-BFGS from the content
image) at 400x300 with the rule off (``tolerance=0``), up to ``--iterations``, keeping the picture of every
iteration.  Then, for each tolerance in ``--tolerances``, where the rule (``nst_teach.convergence``) would
have stopped it, and:

- the iteration and the seconds there (set-up included) and the slowest iteration's seconds until then;
- the saved picture's cost there, at 2x and at 5x the iterations (when the run went that far), all by the
  reference recipe's own float32 cost (``seed.make_reference_cost``) of the picture as saved (uint8, read back);
- how much the picture still changes: the mean absolute difference, in 0..255 levels, between the saved
  picture there and at 2x / 5x the iterations;
- with ``--reference``: the reference recipe's saved picture after its 500 Adam iterations, by the same cost.

Every side uses one seeded random VGG-19 (no ImageNet weights can be downloaded here), written once to a file.

    python benchmarks/bench_convergence.py --reference --precisions "" --json reference.json   # 4 x 500 Adam
    python benchmarks/bench_convergence.py --reference-from reference.json --json convergence.json
    python benchmarks/bench_convergence.py --quick                      # a short check (tests/test_benchmarks.py)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SHARED_IMAGES = HERE.parent.parent / "shared" / "images"

#: The pairs: the course's own, and three from ../shared/images (content, style).
PAIRS = (
    ("cottage", "swirls"),
    ("tubingen.jpg", "starry_night.jpg"),
    ("golden_gate.jpg", "the_scream.jpg"),
    ("tubingen.jpg", "the_scream.jpg"),
)


def _picture(name: str) -> str:
    """A sample's name as it is, or a file of ../shared/images."""
    return name if "." not in name else str(SHARED_IMAGES / name)


def _load() -> str:
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_defaults(content: str, style: str, size, precision: str, weights: str, iterations: int) -> dict:
    """One run of the defaults with the rule off: the cost, the seconds and the saved picture of every iteration."""
    from nst_teach import StyleTransfer

    started = time.perf_counter()
    transfer = StyleTransfer(
        content, style, size=size, precision=precision, weights=weights, tolerance=0, iterations=iterations
    )
    totals, seconds, each, pictures = [], [], [], []
    last = time.perf_counter()
    for step in transfer.steps():
        now = time.perf_counter()
        totals.append(step.total)
        seconds.append(now - started)
        each.append(now - last)
        pictures.append(step.image())  # the picture after this iteration (uint8, as saved)
        last = time.perf_counter()
    return {
        "totals": totals,
        "seconds": seconds,
        "each": each,
        "pictures": pictures,
        "ended": transfer.ended,
        "message": transfer.message,
        "precision": transfer.precision,
    }


def run_reference(content: str, style: str, size, weights: str, iterations: int) -> tuple[np.ndarray, float]:
    """The reference recipe exactly (Adam, learning rate 2, float32, noisy start, unbounded): its saved picture."""
    from nst_teach import StyleTransfer

    started = time.perf_counter()
    transfer = StyleTransfer(content, style, preset="reference", size=size, weights=weights, iterations=iterations)
    result = transfer.run()
    return result.image, time.perf_counter() - started


def table(run: dict, judge, tolerances, reference_cost: float | None) -> list[dict]:
    """One row per tolerance: where the rule stops the run, and what 2x and 5x the iterations give."""
    from nst_teach.convergence import first_converged
    from nst_teach.images import preprocess

    cost = run.setdefault("judged", {})

    def judged(k: int) -> float:  # the picture after iteration k, as saved, by the reference recipe's cost
        if k not in cost:
            cost[k] = judge(preprocess(run["pictures"][k - 1], None))
        return cost[k]

    def change(a: int, b: int) -> float:
        return float(np.mean(np.abs(run["pictures"][a - 1].astype(np.int16) - run["pictures"][b - 1])))

    done = len(run["totals"])
    beats = None
    if reference_cost is not None:  # the first iteration whose saved picture is as good as the reference recipe's
        beats = next((k for k in range(1, min(done, 60) + 1) if judged(k) <= reference_cost), None)
    rows = []
    for tolerance in tolerances:
        k = first_converged(run["totals"], tolerance)
        row = {"tolerance": tolerance, "iteration": k, "done": done, "beats_reference_at": beats}
        if k is not None:
            row.update(seconds=run["seconds"][k - 1], slowest=max(run["each"][:k]), cost=judged(k))
            for times in (2, 5):
                if times * k <= done:
                    row[f"cost_{times}x"] = judged(times * k)
                    row[f"change_{times}x"] = change(k, times * k)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short check: 64x48, the course's pair, 30 iterations")
    parser.add_argument("--size", default="400x300")
    parser.add_argument("--iterations", type=int, default=250, help="the most iterations of each run (rule off)")
    parser.add_argument("--precisions", default="float32,bfloat16")
    parser.add_argument("--tolerances", default="0.05,0.02,0.01,0.005")
    parser.add_argument("--pairs", type=int, default=len(PAIRS), help="how many of the pairs (in order)")
    parser.add_argument("--reference", action="store_true", help="also run the reference recipe (500 Adam, float32)")
    parser.add_argument("--reference-from", metavar="JSON", help="the reference recipe's costs from an earlier --json")
    parser.add_argument("--json", help="write every figure here")
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.iterations, args.pairs = "64x48", 30, 1
    size = tuple(int(v) for v in args.size.split("x"))
    tolerances = [float(t) for t in args.tolerances.split(",")]
    precisions = [p for p in args.precisions.split(",") if p]

    import seed as seed_program
    from bench_transfer import prepare_weights

    from nst_teach import load_image
    from nst_teach.pace import cpu_name

    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; load average before: {_load()}")
    print(f"size {size[0]}x{size[1]}; runs of at most {args.iterations} iterations with the rule off")
    figures = []
    with tempfile.TemporaryDirectory(prefix="nst-convergence-") as tmp:
        weights, weights_note = prepare_weights(Path(tmp))
        print(f"weights: {weights_note}")
        model = seed_program.load_vgg_model(weights)
        for content_name, style_name in PAIRS[: args.pairs]:
            content, style = _picture(content_name), _picture(style_name)
            pair = f"{Path(content_name).stem} + {Path(style_name).stem}"
            if not Path(content).exists() and "." in content_name:
                print(f"{pair}: skipped ({content} is not here)")
                continue
            judge = seed_program.make_reference_cost(model, load_image(content, size), load_image(style, size))
            reference_cost = None
            if args.reference_from:  # measured before, with the same weights (its cost does not depend on load)
                known = {f["pair"]: f["reference_cost"] for f in json.loads(Path(args.reference_from).read_text())}
                reference_cost = known.get(pair)
            if args.reference:
                picture, spent = run_reference(content, style, size, weights, 20 if args.quick else 500)
                from nst_teach.images import preprocess

                reference_cost = judge(preprocess(picture, None))
                print(f"{pair}: the reference recipe's saved picture costs {reference_cost:.6g} ({spent:.0f} s)")
            for precision in precisions:
                run = run_defaults(content, style, size, precision, weights, args.iterations)
                rows = table(run, judge, tolerances, reference_cost)
                print(
                    f"{pair}, {run['precision']}: {len(run['totals'])} iterations in {run['seconds'][-1]:.1f} s "
                    f"(ended: {run['ended']}: {run['message']}); load {_load()}"
                )
                for row in rows:
                    print("   ", _line(row))
                figures.append(
                    {
                        "pair": pair,
                        "precision": run["precision"],
                        "reference_cost": reference_cost,
                        "rows": rows,
                        "totals": run["totals"],
                        "seconds": run["seconds"],
                        "saved": {k: table_cost for k, table_cost in sorted(run.get("judged", {}).items())},
                    }
                )
            if not precisions:
                figures.append({"pair": pair, "reference_cost": reference_cost})
            if args.json:  # after each pair: a long benchmark keeps what it measured
                Path(args.json).write_text(json.dumps(figures, indent=1))
    print(f"load average after: {_load()}")
    return 0


def _line(row: dict) -> str:
    if row["iteration"] is None:
        return f"tolerance {row['tolerance']:g}: never stopped in {row['done']} iterations"
    more = ", ".join(
        f"{t}x: {row[f'cost_{t}x']:.4g} (pixels change {row[f'change_{t}x']:.1f})"
        for t in (2, 5)
        if f"cost_{t}x" in row
    )
    beats = row["beats_reference_at"]
    return (
        f"tolerance {row['tolerance']:g}: iteration {row['iteration']}, {row['seconds']:.1f} s, slowest iteration "
        f"{row['slowest']:.2f} s, saved cost {row['cost']:.4g}; {more or 'the run did not go 2x further'}"
        + ("" if beats is None else f"; as good as the reference recipe's at iteration {beats}")
    )


if __name__ == "__main__":
    raise SystemExit(main())
