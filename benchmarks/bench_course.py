"""Benchmark: the whole course, every notebook in a fresh kernel, every cell timed.

Runs each notebook of ``nst_teach.course.NOTEBOOKS`` top to bottom with nbclient, as a student
pressing Shift+Enter would (normal mode; ``--quick`` for NST_TEACH_QUICK=1), in a temporary copy of
the course (nothing is written into the repository), and prints per notebook its total (the
cells' compute, from nbclient's ``execution`` timing metadata) and its slowest cell; then the
course's total, notebook 00's first painting (from its first cell to the end of the first cell
showing a picture painted by a StyleTransfer), the forecasts the notebooks printed next to the
time their cells took, the CPU, the number format ``precision="auto"`` resolved to, and whether
VGG-19 had the ImageNet weights or random filters (the same time per evaluation: the same shapes).

Each notebook's kernel logs every run it makes (``NST_TEACH_RUN_LOG``, :func:`nst_teach.history.log_run`),
so the table also gives the size of every painting the notebook shows.

The course's targets on a 2-core CPU without bf16 (issues 11 and 23): no cell over 60 s, the course under
15 minutes of compute, notebook 00's first painting within 20 s and at least 256×192, notebook 05's
painting at 400×300, every other painting at least 200×150.

    python benchmarks/bench_course.py                          # normal mode, precision auto
    NST_TEACH_PRECISION=float32 python benchmarks/bench_course.py   # a CPU without bf16
    python benchmarks/bench_course.py --precision float32 --json course.json
    python benchmarks/bench_course.py --quick --notebooks 00_welcome.ipynb
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

#: The targets of issue 11 (seconds).
CELL_TARGET_S, COURSE_TARGET_S, FIRST_PAINTING_TARGET_S = 60.0, 15 * 60.0, 20.0

#: The lines the notebooks print before a long cell (``CourseSettings.forecast``).
FORECAST = re.compile(r"^(this run|these \d+ runs|quick mode): .*$", re.M)


#: The cell appended to each notebook: the kernel's peak resident memory so far (Linux's VmHWM, in kB).
PEAK_CELL = (
    "print('NST-KERNEL-PEAK', *[line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')])"
)


def cpu() -> dict:
    """The CPU's name (lscpu), its cores, and whether it computes bfloat16 (avx512_bf16, amx_bf16)."""
    from nst_teach.pace import cpu_name
    from nst_teach.precision import _cpu_flags

    name = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        name = next((line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name")), "")
    except (OSError, subprocess.SubprocessError):
        pass
    flags = _cpu_flags()
    return {
        "name": name or cpu_name(),
        "cores": os.cpu_count(),
        "avx512_bf16": "avx512_bf16" in flags,
        "amx_bf16": "amx_bf16" in flags,
    }


def _seconds(timing: dict) -> float | None:
    """A cell's compute time from nbclient's ``execution`` metadata (its input received to its reply)."""
    start = timing.get("iopub.execute_input") or timing.get("iopub.status.busy")
    end = timing.get("shell.execute_reply")
    if not (start and end):
        return None
    parse = dt.datetime.fromisoformat
    return (parse(end.replace("Z", "+00:00")) - parse(start.replace("Z", "+00:00"))).total_seconds()


def _first_line(source: str) -> str:
    line = next((line.strip() for line in source.splitlines() if line.strip()), "")
    return line if len(line) <= 70 else line[:67] + "..."


def _text(outputs: list) -> str:
    return "".join(
        out.get("text", "") if out.get("output_type") == "stream" else out.get("data", {}).get("text/plain", "")
        for out in outputs
    )


def _has_picture(outputs: list) -> bool:
    return any("image/png" in out.get("data", {}) for out in outputs)


def paintings(runs: list[dict]) -> str:
    """The sizes a notebook painted at, largest first, with how many runs each: ``"400×300 ×2, 200×150 ×5"``."""
    counts: dict[tuple[int, int], int] = {}
    for run in runs:
        size = tuple(run["size"])
        counts[size] = counts.get(size, 0) + 1
    ordered = sorted(counts.items(), key=lambda item: -item[0][0] * item[0][1])
    return ", ".join(f"{w}×{h}" + (f" ×{n}" if n > 1 else "") for (w, h), n in ordered) or "—"


def run_notebook(path: Path, timeout: float) -> dict:
    """Executes one notebook in a fresh kernel; returns its cells' times, what it printed and what it painted."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    from nst_teach.history import RUN_LOG_ENV

    log = path.with_suffix(".runs.jsonl")
    log.unlink(missing_ok=True)
    os.environ[RUN_LOG_ENV] = str(log)  # every run the kernel makes appends its size (nst_teach.history.log_run)
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(PEAK_CELL))  # last: the kernel's memory peak, read by the kernel
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        record_timing=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    error = None
    started = time.perf_counter()
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError, RuntimeError) as exc:
        error = " ".join(str(exc).split())[-400:]
    wall = time.perf_counter() - started
    peak = re.search(r"NST-KERNEL-PEAK (\d+)", _text(nb.cells.pop().outputs))
    cells, first_painting, seen_transfer, elapsed = [], None, False, 0.0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        seconds = _seconds(cell.metadata.get("execution", {}))
        if seconds is None:
            continue
        elapsed += seconds
        seen_transfer = seen_transfer or "StyleTransfer(" in cell.source
        if first_painting is None and seen_transfer and _has_picture(cell.outputs):
            first_painting = {"cell": index, "since_start_s": elapsed, "cell_s": seconds}
        forecasts = [m.group(0) for m in FORECAST.finditer(_text(cell.outputs))]
        cells.append(
            {"cell": index, "seconds": seconds, "first_line": _first_line(cell.source), "forecasts": forecasts}
        )
    total = sum(c["seconds"] for c in cells)
    runs = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    return {
        "notebook": path.name,
        "runs": runs,
        "paintings": paintings(runs),
        "cells": cells,
        "total_s": total,
        "wall_s": wall,  # with the kernel's start and shutdown
        "slowest": max(cells, key=lambda c: c["seconds"]) if cells else None,
        "first_painting": first_painting,
        "kernel_peak_mib": round(int(peak.group(1)) / 1024) if peak else None,  # VmHWM: its resident peak
        "error": error,
    }


def table(figures: dict) -> str:
    """The figures as the markdown tables of benchmarks/README.md."""
    lines = [
        "| notebook | cells | total (s) | slowest cell (s) | slowest cell | paintings (size × runs) |",
        "| --- | ---: | ---: | ---: | --- | --- |",
    ]
    for nb in figures["notebooks"]:
        slow = nb["slowest"] or {"seconds": 0.0, "cell": "-", "first_line": ""}
        flag = " **over 60 s**" if slow["seconds"] > CELL_TARGET_S and not figures["quick"] else ""
        failed = f" (failed: {nb['error'][:80]})" if nb["error"] else ""
        lines.append(
            f"| {nb['notebook']}{failed} | {len(nb['cells'])} | {nb['total_s']:.1f} | {slow['seconds']:.1f}{flag} | "
            f"[{slow['cell']}] `{slow['first_line'].replace('|', '¦')}` | {nb['paintings']} |"
        )
    lines.append(f"| **the course** | {sum(len(nb['cells']) for nb in figures['notebooks'])} | "
                 f"**{figures['course_s']:.1f}** | {figures['slowest_s']:.1f} | | |")  # fmt: skip
    forecasts = [(nb["notebook"], cell) for nb in figures["notebooks"] for cell in nb["cells"] if cell["forecasts"]]
    if forecasts:
        lines += ["", "| notebook | cell | forecast printed | took (s) |", "| --- | ---: | --- | ---: |"]
        for name, cell in forecasts:
            lines.append(f"| {name} | {cell['cell']} | {' / '.join(cell['forecasts'])} | {cell['seconds']:.1f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="quick mode (NST_TEACH_QUICK=1): tiny and fast")
    parser.add_argument("--precision", choices=["auto", "float32", "bfloat16"], default="auto",
                        help="sets NST_TEACH_PRECISION for the kernels (float32: as a CPU without bf16)")  # fmt: skip
    parser.add_argument("--notebooks", nargs="+", metavar="NAME", help="only these notebooks (default: the course)")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds a cell may run before it is stopped")
    parser.add_argument(
        "--json", default=str(HERE / "results" / "bench_course.json"), help="where to write the figures"
    )
    args = parser.parse_args(argv)

    from nst_teach import course

    names = args.notebooks or list(course.NOTEBOOKS)
    unknown = sorted(set(names) - set(course.NOTEBOOKS))
    if unknown:
        parser.error(f"not notebooks of the course: {', '.join(unknown)} (they are: {', '.join(course.NOTEBOOKS)})")
    if args.quick:
        os.environ["NST_TEACH_QUICK"] = "1"
    else:
        os.environ.pop("NST_TEACH_QUICK", None)
    if args.precision != "auto":
        os.environ["NST_TEACH_PRECISION"] = args.precision
    os.environ.setdefault("MPLBACKEND", "Agg")

    from nst_teach.precision import resolve_precision
    from nst_teach.weights import weights_status

    status = weights_status()
    figures = {
        "date": dt.date.today().isoformat(),
        "quick": args.quick,
        "cpu": cpu(),
        "precision": resolve_precision("auto"),
        "precision_forced": os.environ.get("NST_TEACH_PRECISION", "") or None,
        "weights": "imagenet" if status.is_pretrained and status.available else "random",
        "offline": bool(os.environ.get("NST_TEACH_OFFLINE")),
        "load_before": os.getloadavg(),
        "notebooks": [],
    }
    print(
        f"{len(names)} notebook(s), {'quick' if args.quick else 'normal'} mode, {figures['cpu']['name']} "
        f"({figures['cpu']['cores']} cores), precision auto -> {figures['precision']}, {figures['weights']} weights"
    )
    with tempfile.TemporaryDirectory(prefix="nst-teach-course-") as tmp:
        folder = Path(tmp)
        for name in course.NOTEBOOKS:  # all of them: notebook 05 reads the functions of 03 and 04
            shutil.copy(course.course_files() / name, folder / name)
        for name in names:
            print(f"running {name} ...", flush=True)
            result = run_notebook(folder / name, args.timeout)
            figures["notebooks"].append(result)
            slow = result["slowest"] or {"seconds": 0.0, "cell": "-"}
            failed = f"; FAILED: {result['error']}" if result["error"] else ""
            print(f"  {result['total_s']:.1f} s of cells ({result['wall_s']:.1f} s with the kernel), "
                  f"slowest cell [{slow['cell']}] {slow['seconds']:.1f} s, kernel peak "
                  f"{result['kernel_peak_mib']} MiB{failed}", flush=True)  # fmt: skip
    figures["load_after"] = os.getloadavg()
    figures["course_s"] = sum(nb["total_s"] for nb in figures["notebooks"])
    figures["slowest_s"] = max((nb["slowest"]["seconds"] for nb in figures["notebooks"] if nb["slowest"]), default=0.0)
    first = next((nb["first_painting"] for nb in figures["notebooks"] if nb["notebook"] == course.NOTEBOOKS[0]), None)
    figures["first_painting"] = first

    print()
    print(table(figures))
    print()
    c = figures["cpu"]
    print(f"CPU: {c['name']}, {c['cores']} cores, avx512_bf16 {'yes' if c['avx512_bf16'] else 'no'}, "
          f"amx_bf16 {'yes' if c['amx_bf16'] else 'no'}; precision auto -> {figures['precision']}"
          f"{' (NST_TEACH_PRECISION=' + figures['precision_forced'] + ')' if figures['precision_forced'] else ''}; "
          f"{figures['weights']} weights; load average {figures['load_before'][0]:.1f} before, "
          f"{figures['load_after'][0]:.1f} after")  # fmt: skip
    if first:
        print(f"notebook 00's first painting: cell [{first['cell']}], {first['since_start_s']:.1f} s after its first "
              f"cell started ({first['cell_s']:.1f} s the cell itself)")  # fmt: skip
    if not args.quick:
        checks = [
            ("no cell over 60 s", figures["slowest_s"] <= CELL_TARGET_S, f"slowest {figures['slowest_s']:.1f} s"),
            ("the course under 15 min", figures["course_s"] <= COURSE_TARGET_S, f"{figures['course_s'] / 60:.1f} min"),
            ("00's first painting within 20 s", bool(first) and first["since_start_s"] <= FIRST_PAINTING_TARGET_S,
             f"{first['since_start_s']:.1f} s" if first else "no painting found"),
        ]  # fmt: skip
        figures["targets"] = {what: {"met": met, "figure": figure} for what, met, figure in checks}
        for what, met, figure in checks:
            print(f"target {what}: {'met' if met else 'MISSED'} ({figure})")
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return 1 if any(nb["error"] for nb in figures["notebooks"]) else 0


if __name__ == "__main__":
    sys.exit(main())
