"""Benchmark: peak memory of a Jupyter kernel running the course's heaviest cells in normal mode.

Binder gives a session about 2 GB of RAM and one CPU.  The heaviest cells of the
course are the live dashboard of ``notebooks/05_style_transfer_live.ipynb`` (and
the classroom app's Paint tab) at the normal-mode size, 400×300 with its layer grid
(every style layer's Gram matrices and the content layer's feature maps, live), and
the preview grid of ``notebooks/06_experiments.ipynb`` (the app's Compare β tab).
This script runs each in a fresh ipykernel, as the notebook does (widgets, matplotlib,
the asyncio runner), to the end of the run (at most 40 iterations: the convergence rule
ends each one sooner, as in the app; memory still grows after ten) and prints the
kernel's peak resident memory (``VmHWM``). The last two cells are the
classroom app's worst cases: the Paint tab with one layer's detail open too, and Paint
then Compare β in one page's kernel (it runs one at a time, and keeps both). Their
largest peak is one of the two figures whose larger ``nst_teach/servers/room.py`` keeps as
``KERNEL_PEAK_BYTES`` (the app's default ``--max-kernels``); the other is the real page's kernel,
measured by ``benchmarks/bench_app_load.py``. A student's notebook kernel, run top to bottom, is
measured by ``benchmarks/bench_course.py`` (``NOTEBOOK_PEAK_BYTES``: the hubs' memory per student).

    python benchmarks/bench_kernel_memory.py                 # float32 (what a Binder CPU runs), runs to their end
    python benchmarks/bench_kernel_memory.py --precision auto
    python benchmarks/bench_kernel_memory.py --course-mode quick  # nst-teach app --quick's sizes (64×48)
    python benchmarks/bench_kernel_memory.py --quick         # 2 iterations: checks the script, same sizes

Seeded random VGG-19 weights are used when the ImageNet file is not available; the
memory needed is the same (same shapes).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import textwrap
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

SETUP = """
from nst_teach.course import settings
from nst_teach.samples import load_sample, sample_names
course = settings(full_size=True)  # the seed's sizes: the most a student can choose, and nothing timed
assert course.quick == {quick}, "NST_TEACH_QUICK is not as --course-mode asks"
content, style = load_sample(sample_names("content")[0]), load_sample(sample_names("style")[0])
"""

CELLS = {
    "dashboard (05, app): 400×300 with layer panels": """
from nst_teach.widgets import StyleTransferDashboard
dashboard = StyleTransferDashboard(content, style, size=course.size, iterations={iterations}, every=1,
                                   precision={precision!r})
display(dashboard)
dashboard.start()
await dashboard.wait()
print(dashboard.status)
""",
    "preview grid (06): 4 runs at the small size": """
from nst_teach.widgets import PreviewGrid
grid = PreviewGrid(content, style, vary={{"beta": [1e1, 1e2, 1e3, 1e4]}}, size=course.small_size,
                   iterations={iterations}, precision={precision!r})
display(grid)
grid.start()
await grid.wait()
print(grid.status)
""",
    "app's Paint tab: the dashboard, its layer grid and one layer's detail open": """
from nst_teach.widgets import StyleTransferDashboard
dashboard = StyleTransferDashboard(content, style, size=course.size, iterations={iterations}, every=1,
                                   precision={precision!r}, panel_layer="block4_conv1")
display(dashboard)
dashboard.start()
await dashboard.wait()
print(dashboard.status)
""",
    "app: Paint (layer grid, one layer open), then Compare β, in one page's kernel": """
from nst_teach.widgets import PreviewGrid, StyleTransferDashboard
dashboard = StyleTransferDashboard(content, style, size=course.size, iterations={iterations}, every=1,
                                   precision={precision!r}, panel_layer="block4_conv1")
grid = PreviewGrid(content, style, vary={{"beta": [1e1, 1e2, 1e3, 1e4]}}, size=course.small_size,
                   iterations={iterations}, precision={precision!r})
display(dashboard, grid)
dashboard.start()
await dashboard.wait()
grid.start()  # one run at a time in a kernel (starting the grid would stop the dashboard's run): one after the other
await grid.wait()
print(dashboard.status.split(".")[0], "|", grid.status)
""",
}

#: The cells whose largest peak is the app's kernel peak (``KERNEL_PEAK_BYTES`` in nst_teach/servers/room.py).
APP_CELLS = tuple(name for name in CELLS if name.startswith("app"))


def peak_rss_mib(pid: int) -> float:
    """The peak resident memory (VmHWM) of a process, in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/<pid>/status (Linux only)")


def run_in_kernel(code: str, env: dict[str, str], quick: bool = False, timeout: float = 1800) -> tuple[float, str]:
    """Runs ``SETUP`` and ``code`` in a fresh ipykernel; returns (peak RSS in MiB, what it printed)."""
    from jupyter_client.manager import KernelManager

    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        printed: list[str] = []

        def keep(msg: dict) -> None:
            if msg["header"]["msg_type"] == "stream":
                printed.append(msg["content"]["text"])
            elif msg["header"]["msg_type"] == "error":
                printed.append("\n".join(msg["content"]["traceback"]))

        for source in (SETUP.format(quick=quick), code):
            reply = client.execute_interactive(source, timeout=timeout, output_hook=keep)
            if reply["content"]["status"] != "ok":
                raise RuntimeError("the cell failed:\n" + "".join(printed))
        pid = manager.provisioner.process.pid
        return peak_rss_mib(pid), "".join(printed).strip()
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--iterations", type=int, default=40, help="the most iterations per run (default 40)")
    parser.add_argument("--precision", default="float32", choices=["float32", "bfloat16", "auto"])
    parser.add_argument("--quick", action="store_true", help="2 iterations per run")
    parser.add_argument("--course-mode", choices=["normal", "quick"], default="normal",
                        help="the sizes: normal (400×300, the default) or quick (nst-teach app --quick)")  # fmt: skip
    parser.add_argument("--json", default=str(HERE / "results" / "bench_kernel_memory.json"))
    args = parser.parse_args(argv)
    iterations = 2 if args.quick else args.iterations

    from nst_teach.weights import weights_status, write_random_weights

    with tempfile.TemporaryDirectory(prefix="nst-kernel-mem-") as tmp:
        env = {k: v for k, v in os.environ.items() if k != "NST_TEACH_QUICK"}
        quick = args.course_mode == "quick"
        if quick:
            env["NST_TEACH_QUICK"] = "1"
        env.update(NST_TEACH_OFFLINE="1", TF_CPP_MIN_LOG_LEVEL="3")
        status = weights_status("auto")
        if status.kind == "imagenet" and status.path and Path(status.path).exists():
            note = "ImageNet"
        else:
            weights = Path(tmp) / "vgg19_random.h5"
            write_random_weights(weights, seed=0)
            env["NST_TEACH_WEIGHTS"] = str(weights)
            note = "seeded random VGG-19 (same shapes as ImageNet)"
        print(f"weights: {note}; precision: {args.precision}; {iterations} iterations per run; "
              f"{args.course_mode} mode")  # fmt: skip
        figures: dict[str, float] = {}
        for name, template in CELLS.items():
            code = textwrap.dedent(template.format(iterations=iterations, precision=args.precision))
            started = time.perf_counter()
            peak, printed = run_in_kernel(code, env, quick)
            figures[name] = round(peak, 1)
            last = printed.splitlines()[-1] if printed else ""
            print(
                f"{name}: kernel peak RSS {peak:.0f} MiB ({time.perf_counter() - started:.0f} s) — {last[:100]}",
                flush=True,
            )
    app_peak = max(figures[name] for name in APP_CELLS)
    print(
        f"the app's kernel peak in {args.course_mode} mode, in a plain kernel: {app_peak:.0f} MiB (rounded up: "
        f"{math.ceil(app_peak / 10) * 10} MiB); nst_teach/servers/room.py keeps KERNEL_PEAK_BYTES[{args.course_mode!r}]"
        " = the larger of this and the real page's peak (benchmarks/bench_app_load.py --students 1)"
    )
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {"weights": note, "precision": args.precision, "iterations": iterations, "course_mode": args.course_mode,
             "kernel_peak_rss_mib": figures, "app_kernel_peak_mib": app_peak},
            indent=2,
        )
    )  # fmt: skip
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
