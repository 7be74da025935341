"""Benchmark: memory of style transfer runs (a Binder pod has 2 GiB).

Prints, each measured in a fresh process:
  1. peak resident memory of one default run at 400×300 (nst-teach's defaults);
  2. resident memory after each of 20 consecutive short runs in one process, as a
     student pressing Start again and again would make (new StyleTransfer each time,
     the previous one dropped) — it should level off, not climb.

    python benchmarks/bench_memory.py            # 400×300, 20 iterations, 20 repeats
    python benchmarks/bench_memory.py --quick    # 128×96, 3 iterations, 8 repeats

Seeded random weights are used when the ImageNet file is not available; the memory
needed is the same (same shapes).  Figures are printed and written as JSON (--json).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def rss_mib() -> float:
    """Current resident memory of this process, in MiB."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _images(size: tuple[int, int]):
    from nst_teach import samples

    content = samples.load_sample(samples.sample_names("content")[0])
    style = samples.load_sample(samples.sample_names("style")[0])
    return content, style


def one_run(cfg: dict) -> dict:
    from nst_teach import StyleTransfer

    size = tuple(cfg["size"])
    content, style = _images(size)
    baseline = rss_mib()
    transfer = StyleTransfer(content, style, size=size, weights=cfg["weights"])
    result = transfer.run(cfg["iterations"], every=cfg["iterations"])
    return {
        "precision": result.precision,
        "rss_before_mib": baseline,
        "peak_rss_mib": peak_rss_mib(),
        "iterations": result.iterations_done,
    }


def repeated_runs(cfg: dict) -> dict:
    from nst_teach import StyleTransfer

    size = tuple(cfg["size"])
    content, style = _images(size)
    after = []
    for i in range(cfg["repeats"]):
        transfer = StyleTransfer(content, style, size=size, weights=cfg["weights"], seed=i)
        transfer.run(cfg["short_iterations"], every=cfg["short_iterations"])
        del transfer
        gc.collect()
        after.append(rss_mib())
        print(f"  run {i + 1:2d}: {after[-1]:7.0f} MiB", flush=True)
    half = len(after) // 2
    return {
        "rss_after_each_mib": after,
        "growth_second_half_mib": after[-1] - after[half],
        "peak_rss_mib": peak_rss_mib(),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", default=str(HERE / "results" / "bench_memory.json"))
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        what, cfg_path, out_path = args.child
        cfg = json.loads(Path(cfg_path).read_text())
        result = one_run(cfg) if what == "one" else repeated_runs(cfg)
        Path(out_path).write_text(json.dumps(result))
        return 0

    from nst_teach.weights import weights_status, write_random_weights

    with tempfile.TemporaryDirectory(prefix="nst-mem-") as tmp:
        status = weights_status("auto")
        if status.kind == "imagenet" and status.path and Path(status.path).exists():
            weights, note = str(status.path), "ImageNet"
        else:
            weights, note = str(Path(tmp) / "vgg19_random.h5"), "seeded random VGG-19 (same shapes as ImageNet)"
            write_random_weights(weights, seed=0)
        cfg = {
            "size": (128, 96) if args.quick else (400, 300),
            "iterations": 3 if args.quick else 20,
            "repeats": 8 if args.quick else 20,
            "short_iterations": 2 if args.quick else 5,
            "weights": weights,
        }
        cfg_path = Path(tmp) / "cfg.json"
        cfg_path.write_text(json.dumps(cfg))
        results = {}
        env = dict(os.environ, NST_TEACH_OFFLINE="1")
        for what in ("one", "repeated"):
            out = Path(tmp) / f"{what}.json"
            print(f"measuring {what} ...", flush=True)
            subprocess.run([sys.executable, __file__, "--child", what, str(cfg_path), str(out)], check=True, env=env)
            results[what] = json.loads(out.read_text())

    size = "x".join(map(str, cfg["size"]))
    one, rep = results["one"], results["repeated"]
    print()
    print(f"weights: {note}; precision: {one['precision']}")
    print(
        f"one default run at {size} ({cfg['iterations']} iterations): peak RSS {one['peak_rss_mib']:.0f} MiB "
        f"(process before the run: {one['rss_before_mib']:.0f} MiB)"
    )
    print(
        f"{cfg['repeats']} consecutive runs of {cfg['short_iterations']} iterations: RSS after the first "
        f"{rep['rss_after_each_mib'][0]:.0f} MiB, after the last {rep['rss_after_each_mib'][-1]:.0f} MiB, "
        f"growth over the second half {rep['growth_second_half_mib']:+.0f} MiB; peak {rep['peak_rss_mib']:.0f} MiB"
    )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"size": cfg["size"], "weights": note, **results}, indent=2))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
