"""Benchmark: nst-teach against the seed program, side by side, on the same images, weights and machine.

For each side it reports seconds per iteration, peak resident memory, and the wall
time (set-up included) to save a picture at least as good as the one the seed saves
after N iterations.  The judge is what the user gets: the picture each side would
save (means added, rounded, clipped to uint8: ``nst_teach.images.as_saved``), read
back and scored by the seed's own float32 cost (benchmarks/seed.py, the seed's
average pools).  The cost of the float image the optimiser holds (what the seed
prints, and what this benchmark judged before 0.3) is kept as a second column.

For the nst-teach sides it also reports seconds per evaluation of the cost and its
gradient (L-BFGS may evaluate more than once per iteration) against the floor: a bare
forward and backward pass of the same truncated VGG-19 at that size and precision.

Sides:
  seed        the seed as written: Adam lr 2, float32, full VGG-19 to block5_pool
  defaults    nst-teach's defaults (L-BFGS, precision "auto", from the content image)
  lbfgs-fp32  nst-teach with L-BFGS in float32 (what bfloat16 adds)
  noise-fp32  the same from the seed's noisy start (what the content start adds)
  seed-preset nst-teach's preset="reference" (the seed's recipe on nst-teach's engine)
  live        nst-teach's defaults with a live callback every 20 iterations (image + activations)
  dashboard   the live dashboard as it opens, float32, updated every 20 iterations: the image, the
              costs and the grid across all layers (its yardstick is the final image only)
  dashboard-detail  the same with the one-layer detail open too (block1_conv1, the largest maps)

The seed, noise-fp32, seed-preset and the dashboards start from one shared noisy start (the seed's,
``noisy_image(content, seed=0)``); defaults, lbfgs-fp32 and live from nst-teach's default start, the
content image.  Each side runs in a fresh process, so peak memory is that side's alone.

    python benchmarks/bench_transfer.py            # the full comparison (N = 500; ~10 minutes here)
    python benchmarks/bench_transfer.py --quick    # a short version (CI runs it)

The figures are printed as a table and written as JSON (--json).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SHARED_IMAGES = HERE.parent.parent / "shared" / "images"

SIDES = {
    "seed": "the seed as written (Adam lr 2, float32, VGG-19 to block5_pool)",
    "defaults": "nst-teach defaults (L-BFGS, precision auto)",
    "lbfgs-fp32": "nst-teach L-BFGS, float32",
    "noise-fp32": "nst-teach L-BFGS, float32, the seed's noisy start",
    "seed-preset": "nst-teach preset='reference' (Adam lr 2, float32)",
    "live": "nst-teach defaults + live callback every 20 its",
    "dashboard": "the dashboard (image, costs, layer grid), float32, every 20 its",
    "dashboard-detail": "the dashboard with the one-layer detail open too",
}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# --- one side, in a child process --------------------------------------------------------------


def run_side(side: str, cfg: dict) -> dict:
    import tensorflow as tf  # noqa: F401  (imported before timing starts, like a warm notebook kernel)

    sys.path.insert(0, str(HERE))
    import seed as seed_program

    from nst_teach import load_image
    from nst_teach.images import as_saved

    size = tuple(cfg["size"])
    init = np.load(cfg["init"])
    snapshots = Path(cfg["workdir"]) / f"snapshots-{side}"
    snapshots.mkdir(exist_ok=True)
    out: dict = {"side": side, "description": SIDES[side]}

    if side == "seed":
        start = time.perf_counter()
        model = seed_program.load_vgg_model(cfg["weights"])
        content, style = load_image(cfg["content"], size), load_image(cfg["style"], size)
        setup = time.perf_counter() - start
        times: list[float] = []
        final = seed_program.run_seed(
            model, content, style, init, cfg["iterations"], on_step=lambda i, t: times.append(t)
        )
        out.update(setup_s=setup, iterations=cfg["iterations"], optimize_s=times[-1])
        out["s_per_iteration"] = (times[-1] - times[0]) / max(len(times) - 1, 1)  # without the first (tracing) step
        out["peak_rss_mib"] = peak_rss_mib()
        reference = seed_program.make_reference_cost(model, content, style)
        out["final_loss"] = reference(final)
        out["saved_loss"] = reference(as_saved(final))
        out["time_to_target_s"] = setup + times[-1]
        out["iterations_to_target"] = cfg["iterations"]
        return out

    if side.startswith("dashboard"):
        return run_dashboard(cfg, out, size, init, seed_program, detail=side == "dashboard-detail")

    from nst_teach import StyleTransfer

    options = {"weights": cfg["weights"], "size": size}
    if side in ("noise-fp32", "seed-preset"):
        options.update(init=init)  # the seed's start; the other sides start where nst-teach does
    if side in ("lbfgs-fp32", "noise-fp32"):
        options.update(optimizer="lbfgs", precision="float32")
    elif side == "seed-preset":
        options.update(preset="reference")
    limit = cfg["iterations"] if side == "seed-preset" else cfg["max_iterations"]

    start = time.perf_counter()
    transfer = StyleTransfer(cfg["content"], cfg["style"], **options)
    setup = time.perf_counter() - start
    step_times: list[float] = []  # wall time since `start`, at the end of each iteration
    paused = 0.0  # time spent saving snapshots for the yardstick (not part of the run)
    callback_s = 0.0  # time spent in the live callbacks (what a dashboard update costs)
    stream = transfer.steps(limit)
    for _ in range(limit):
        try:
            step = next(stream)
        except StopIteration:
            break
        if side == "live" and step.iteration % 20 == 0:
            t0 = time.perf_counter()
            step.image()
            step.activations(list(transfer.options["style_layers"]))
            callback_s += time.perf_counter() - t0
        step_times.append(time.perf_counter() - start - paused)
        t0 = time.perf_counter()
        np.save(snapshots / f"{step.iteration:05d}.npy", transfer.batch())
        paused += time.perf_counter() - t0
    out.update(
        setup_s=setup,
        iterations=len(step_times),
        precision=transfer.precision,
        callback_s=callback_s,
        optimize_s=step_times[-1] - setup - callback_s,
    )
    out["s_per_iteration"] = (step_times[-1] - step_times[0]) / max(len(step_times) - 1, 1)
    out["peak_rss_mib"] = peak_rss_mib()
    lbfgs = getattr(transfer._optimizer, "optimizer", None)
    evaluations = getattr(lbfgs, "evaluations", None) or len(step_times)  # Adam: one per iteration
    out["evaluations"] = evaluations
    out["s_per_evaluation"] = (step_times[-1] - step_times[0]) / max(evaluations - 1, 1)
    out["floor_s_per_evaluation"], out["evaluation_in_turns_s"] = floor_seconds(transfer)

    # The yardstick, after the timed part: the seed's float32 cost of every snapshot.
    model = seed_program.load_vgg_model(cfg["weights"])
    content, style = load_image(cfg["content"], size), load_image(cfg["style"], size)
    reference = seed_program.make_reference_cost(model, content, style)
    target = cfg.get("target")
    files = sorted(snapshots.glob("*.npy"))
    out["final_loss"] = reference(np.load(files[-1]))

    def saved(i: int) -> float:  # the judge: the seed's cost of the picture snapshot i would save
        return reference(as_saved(np.load(files[i])))

    out["saved_loss"] = saved(len(files) - 1)
    out["time_to_target_s"] = None
    out["iterations_to_target"] = None
    if target is not None:
        # Losses fall (almost) monotonically: find the first snapshot at or below the target by a coarse
        # scan every 5 iterations, then step back to the exact first one.
        coarse = next((i for i in range(4, len(files), 5) if saved(i) <= target), None)
        if coarse is None and saved(len(files) - 1) <= target:
            coarse = len(files) - 1
        if coarse is not None:
            first = coarse
            while first > 0 and saved(first - 1) <= target:
                first -= 1
            out["iterations_to_target"] = first + 1
            out["time_to_target_s"] = step_times[first]
    return out


def run_dashboard(cfg: dict, out: dict, size: tuple, init: np.ndarray, seed_program, detail: bool) -> dict:
    """The dashboard as a student leaves it on: float32, every 20 iterations (and the one-layer detail open).

    Timed from the same run, so the figures hold on a busy machine: the seconds the loop spends in the
    dashboard's updates (the image, the costs, offering the grid, the one-layer detail), and the seconds
    the grid's worker spends beside it (activations, Gram matrices, PNGs), each over the seconds of
    optimisation (the run's wall time less the updates).
    """
    import asyncio

    import matplotlib

    matplotlib.use("Agg")
    from nst_teach import load_image
    from nst_teach.images import as_saved
    from nst_teach.widgets import StyleTransferDashboard

    iterations = cfg["max_iterations"]
    dash = StyleTransferDashboard(
        cfg["content"],
        cfg["style"],
        weights=cfg["weights"],
        size=size,
        init=init,
        precision="float32",
        iterations=iterations,
        every=20,
        panel_layer="block1_conv1" if detail else "",  # given: the detail is open; block1: its largest maps
    )
    shown = dash._show
    timed = {"updates_s": 0.0, "updates": 0}

    def show(*args, **kwargs):
        t0 = time.perf_counter()
        shown(*args, **kwargs)
        timed["updates_s"] += time.perf_counter() - t0
        timed["updates"] += 1

    dash._show = show

    async def run() -> tuple[float, float]:
        t0 = time.perf_counter()
        dash.start()  # builds the run (weights, model, targets) before it returns
        t1 = time.perf_counter()
        await dash.wait()
        return t1 - t0, time.perf_counter() - t1

    setup, wall = asyncio.run(run())
    grid = dash.layer_grid
    made = {"grid_updates": grid.updates, "grid_dropped": grid.dropped, "grid_work_s": grid.work_s}
    # One update of the grid made alone, the optimisation idle (three times, the median): what the grid costs
    # the machine per update, whether the worker makes it beside the loop or the loop made it itself.
    alone = []
    for _ in range(3):
        t0 = time.perf_counter()
        grid.show_now(dash._transfer, dash.history)
        alone.append(time.perf_counter() - t0)
    out["grid_update_alone_s"] = sorted(alone)[1]
    optimize = wall - timed["updates_s"]
    done = len(dash.history)
    out.update(
        setup_s=setup,
        iterations=done,
        precision=dash._transfer.precision,
        optimize_s=optimize,
        callback_s=timed["updates_s"],
        updates=timed["updates"],
        **made,
        grid_png_bytes=grid.png_bytes,
        image_png_bytes=len(dash.image_widget.value),
        costs_png_bytes=len(dash.costs_widget.value),
        detail_png_bytes=len(dash.gram_widget.value) + len(dash.generated_maps_widget.value),
    )
    out["s_per_iteration"] = optimize / max(done, 1)  # the first (tracing) iteration included
    out["peak_rss_mib"] = peak_rss_mib()
    model = seed_program.load_vgg_model(cfg["weights"])
    content, style = load_image(cfg["content"], size), load_image(cfg["style"], size)
    reference = seed_program.make_reference_cost(model, content, style)
    out["final_loss"] = reference(dash._transfer.batch())
    out["saved_loss"] = reference(as_saved(dash._transfer.batch()))
    out["time_to_target_s"] = out["iterations_to_target"] = None
    out["yardstick"] = "final image only"
    dash.close()
    return out


def floor_seconds(transfer, repeats: int = 7) -> tuple[float, float]:
    """The floor of one evaluation, and one evaluation as the run makes it, timed in turns (so that a
    machine busy with something else slows both alike); each the median of ``repeats``.

    The floor is a bare forward and backward pass of the run's truncated VGG-19 (its layers, size and
    precision; the gradient of the sum of its outputs).  The evaluation is what each L-BFGS evaluation
    (or Adam step) computes: every cost and the gradient, read back into NumPy.
    """
    import tensorflow as tf

    extractor = transfer.extractor
    objective = transfer._scales[transfer._scale_index].objective
    x = tf.constant(transfer.batch())

    @tf.function(input_signature=[tf.TensorSpec(x.shape, tf.float32)])
    def forward_backward(image):
        with tf.GradientTape() as tape:
            tape.watch(image)
            outputs = extractor(image)
            total = tf.add_n([tf.reduce_sum(tf.cast(a, tf.float32)) for a in outputs.values()])
        return tape.gradient(total, image)

    def evaluation():
        packed, gradient = objective.value_and_grad(x)
        return packed.numpy(), gradient.numpy()

    forward_backward(x).numpy()  # traced once, outside the timing
    evaluation()
    floor, full = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        forward_backward(x).numpy()
        t1 = time.perf_counter()
        evaluation()
        floor.append(t1 - t0)
        full.append(time.perf_counter() - t1)
    return sorted(floor)[repeats // 2], sorted(full)[repeats // 2]


def child(side: str, cfg: dict) -> dict:
    """Runs one side in a fresh Python process and returns its figures."""
    result_path = Path(cfg["workdir"]) / f"result-{side}.json"
    cfg_path = Path(cfg["workdir"]) / "config.json"
    cfg_path.write_text(json.dumps(cfg))
    env = dict(os.environ, NST_TEACH_OFFLINE="1")
    command = [sys.executable, __file__, "--child", side, str(cfg_path), str(result_path)]
    subprocess.run(command, check=True, env=env)
    return json.loads(result_path.read_text())


# --- the whole comparison ----------------------------------------------------------------------


def default_images(workdir: Path) -> tuple[str, str, str]:
    """Tübingen + Starry Night when the shared images are beside the repo, else bundled samples."""
    content, style = SHARED_IMAGES / "tubingen.jpg", SHARED_IMAGES / "starry_night.jpg"
    if content.exists() and style.exists():
        return str(content), str(style), "Tübingen + The Starry Night (../shared/images)"
    from nst_teach import samples
    from nst_teach.images import preprocess, save_image

    paths = []
    for kind in ("content", "style"):
        name = samples.sample_names(kind)[0]
        path = workdir / f"{name}.png"
        save_image(preprocess(samples.load_sample(name), None), path)
        paths.append(str(path))
    return paths[0], paths[1], "bundled samples"


def prepare_weights(workdir: Path) -> tuple[str, str]:
    from nst_teach.weights import weights_status, write_random_weights

    status = weights_status("auto")
    if status.kind == "imagenet" and status.path and Path(status.path).exists():
        return str(status.path), "ImageNet"
    path = workdir / "vgg19_random_seed0.h5"
    write_random_weights(path, seed=0)
    return str(path), "seeded random VGG-19 (seed 0), saved once and loaded by path on every side"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a short version: 200x150, N = 30")
    parser.add_argument("--iterations", type=int, help="N: the seed's iterations (default 500; quick 30)")
    parser.add_argument("--max-iterations", type=int, help="cap on nst-teach's iterations (default 300; quick 60)")
    parser.add_argument("--size", default=None, help="WxH (default 400x300; quick 200x150)")
    parser.add_argument("--content")
    parser.add_argument("--style")
    parser.add_argument("--sides", default=",".join(SIDES), help="comma-separated subset of: " + ", ".join(SIDES))
    parser.add_argument(
        "--json", default=str(HERE / "results" / "bench_transfer.json"), help="where to write the figures"
    )
    parser.add_argument(
        "--seed-from",
        metavar="JSON",
        help="take the seed's figures from an earlier run's JSON (same size, N, images and weights: the seed is "
        "deterministic, so only its seconds depend on the machine's load then) instead of running it again",
    )
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        side, cfg_path, result_path = args.child
        result = run_side(side, json.loads(Path(cfg_path).read_text()))
        Path(result_path).write_text(json.dumps(result))
        return 0

    size = tuple(int(v) for v in (args.size or ("200x150" if args.quick else "400x300")).split("x"))
    iterations = args.iterations or (30 if args.quick else 500)
    max_iterations = args.max_iterations or (60 if args.quick else 300)
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    unknown = [s for s in sides if s not in SIDES]
    if unknown or ("seed" not in sides and not args.seed_from):
        parser.error(
            f"--sides must include 'seed' (or give --seed-from) and name only {', '.join(SIDES)}; got {args.sides}"
        )
    earlier = json.loads(Path(args.seed_from).read_text()) if args.seed_from else None
    if earlier is not None:
        sides = [side for side in sides if side != "seed"]
        if tuple(earlier["size"]) != size or earlier["iterations"] != iterations:
            parser.error(f"--seed-from {args.seed_from} measured {earlier['size']} and N = {earlier['iterations']}")

    with tempfile.TemporaryDirectory(prefix="nst-bench-") as tmp:
        workdir = Path(tmp)
        content, style, images = default_images(workdir)
        content, style = args.content or content, args.style or style
        weights, weights_note = prepare_weights(workdir)

        from nst_teach import load_image, noisy_image

        init = noisy_image(load_image(content, size), seed=0)
        np.save(workdir / "init.npy", init)
        cfg = {
            "size": size,
            "iterations": iterations,
            "max_iterations": max_iterations,
            "content": content,
            "style": style,
            "weights": weights,
            "init": str(workdir / "init.npy"),
            "workdir": str(workdir),
        }

        print(f"machine: {cpu_name()}, {os.cpu_count()} cores; size {size[0]}x{size[1]}; N = {iterations}")
        print(f"images: {images}; weights: {weights_note}")
        results = {}
        if earlier is not None:
            if (earlier["images"], earlier["weights"]) != (images, weights_note):
                parser.error(f"--seed-from {args.seed_from} used other images or weights")
            results["seed"] = dict(earlier["results"]["seed"], taken_from=args.seed_from)
            print(f"seed: taken from {args.seed_from} (measured on {earlier['machine']})")
        for side in sides:
            print(f"running {side}: {SIDES[side]} ...", flush=True)
            if side != "seed":
                cfg["target"] = results["seed"]["saved_loss"]
            results[side] = child(side, cfg)

    seed = results["seed"]
    print()
    header = (
        f"{'side':<16} {'s/it':>7} {'s/eval':>7} {'floor':>6} {'peak MiB':>9} {'its':>5} {'saved loss':>11} "
        f"{'float loss':>11} {'to seed saved':>14} {'speed-up':>9}"
    )
    print(header)
    print("-" * len(header))
    ratios: list[str] = []
    for side, r in results.items():
        reach = r["time_to_target_s"]
        speedup = seed["time_to_target_s"] / reach if reach else None
        r["speedup_vs_seed"] = speedup
        reached = f"{reach:.1f} s" if reach else ("-" if r.get("yardstick") else "not reached")
        per_eval = f"{r['s_per_evaluation']:.3f}" if r.get("s_per_evaluation") else "-"
        floor = f"{r['floor_s_per_evaluation']:.3f}" if r.get("floor_s_per_evaluation") else "-"
        if r.get("evaluation_in_turns_s"):
            turns, bare = r["evaluation_in_turns_s"], r["floor_s_per_evaluation"]
            ratios.append(
                f"{side}: one evaluation {turns:.3f} s against the floor's {bare:.3f} s, timed in turns = "
                f"{turns / bare:.2f}x"
            )
        print(
            f"{side:<16} {r['s_per_iteration']:>7.3f} {per_eval:>7} {floor:>6} {r['peak_rss_mib']:>9.0f} "
            f"{r['iterations']:>5} {r['saved_loss']:>11.5g} {r['final_loss']:>11.5g} {reached:>14} "
            f"{(f'{speedup:.1f}x' if speedup else '-'):>9}"
        )
    print(
        "\nsaved loss: the seed's float32 cost of the picture the side saves (uint8, read back): the judge. "
        "float loss: of the float image the optimiser holds (what the seed prints). s/eval: seconds per "
        "evaluation of the cost and its gradient; floor: a bare forward+backward of the same truncated VGG-19."
    )
    for line in ratios:
        print(line)
    if "live" in results:
        # L-BFGS iterations differ in cost (line searches), so seconds per iteration of two runs cannot
        # isolate the callbacks; the live side times them directly instead.
        live = results["live"]
        overhead = live["callback_s"] / live["optimize_s"]
        print(
            f"\nlive callbacks every 20 iterations (image + activations of the style layers): "
            f"{live['callback_s']:.2f} s over {live['optimize_s']:.1f} s of optimisation = {overhead:+.1%}"
        )
    for side in [name for name in ("dashboard", "dashboard-detail") if name in results]:
        d = results[side]
        print(
            f"\n{side} every 20 iterations, float32 ({d['updates']} updates; the grid: "
            f"{d['grid_updates']} shown, {d['grid_dropped']} dropped): the loop waits {d['callback_s']:.2f} s over "
            f"{d['optimize_s']:.1f} s of optimisation = {d['callback_s'] / d['optimize_s']:+.1%}; the grid's worker, "
            f"beside it, {d['grid_work_s']:.2f} s = {d['grid_work_s'] / d['optimize_s']:+.1%} (one update made alone: "
            f"{d['grid_update_alone_s']:.2f} s, x {d['grid_updates']} = "
            f"{d['grid_update_alone_s'] * d['grid_updates'] / d['optimize_s']:+.1%}); PNG bytes per update: "
            f"grid {d['grid_png_bytes']:,}, image {d['image_png_bytes']:,}, costs {d['costs_png_bytes']:,}, "
            f"detail {d['detail_png_bytes']:,}"
        )
    summary = {
        "machine": cpu_name(),
        "cores": os.cpu_count(),
        "size": size,
        "iterations": iterations,
        "images": images,
        "weights": weights_note,
        "results": results,
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
