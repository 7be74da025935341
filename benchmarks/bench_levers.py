"""Benchmark: how many evaluations each speed lever needs to save a picture as good as the seed's.

Counts, not seconds, so a busy machine does not change them: for each variant, the iterations and the
evaluations of the cost and its gradient until the picture the run would save (uint8, read back)
scores at or below the seed's saved picture by the seed's own float32 cost (``seed.make_reference_cost``).
The seed's figure comes from ``bench_transfer.py``'s JSON (``--target``, its saved loss).

    python benchmarks/bench_levers.py --target 110743.484375     # the seed's 500 iterations at 400x300
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--target", type=float, required=True, help="the seed's saved loss (bench_transfer.py)")
    parser.add_argument("--size", default="400x300")
    parser.add_argument("--precision", default="float32")
    parser.add_argument("--max-iterations", type=int, default=40)
    args = parser.parse_args(argv)

    import tempfile

    import seed as seed_program
    from bench_transfer import default_images, prepare_weights

    from nst_teach import StyleTransfer, load_image, noisy_image
    from nst_teach.images import as_saved

    size = tuple(int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="nst-levers-") as tmp:
        content, style, images = default_images(Path(tmp))
        weights, weights_note = prepare_weights(Path(tmp))
        init = noisy_image(load_image(content, size), seed=0)  # the start every bench_transfer side shares
        model = seed_program.load_vgg_model(weights)
        reference = seed_program.make_reference_cost(model, load_image(content, size), load_image(style, size))
        print(f"size {size[0]}x{size[1]}, {args.precision}; images: {images}; weights: {weights_note}")
        variants = {
            "bounded L-BFGS from the content image (the default)": {},
            "the same from the seed's noisy start (noise_ratio=0.6)": {"init": init},
            **{
                f"the same from noise_ratio={r:g}": {"init": noisy_image(load_image(content, size), r, seed=0)}
                for r in (0.4, 0.2, 0.1)
            },
            "coarse to fine, scales=[0.5, 1.0], from the seed's start": {"init": init, "scales": [0.5, 1.0]},
        }
        for name, options in variants.items():
            transfer = StyleTransfer(content, style, weights=weights, size=size, precision=args.precision, **options)
            small_evaluations, found = 0, None
            for step in transfer.steps(args.max_iterations):
                x = transfer.batch()
                lbfgs = transfer._optimizer.optimizer
                if x.shape[1:3] != (size[1], size[0]):
                    small_evaluations = lbfgs.evaluations
                    continue
                if reference(as_saved(x)) <= args.target:
                    found = (step.iteration, lbfgs.evaluations)
                    break
            report(name, found, args.max_iterations, small_evaluations)
        for start in ("content", "noise"):
            transfer = StyleTransfer(
                content,
                style,
                weights=weights,
                size=size,
                precision=args.precision,
                init="content" if start == "content" else init,
            )
            where = "the content image" if start == "content" else "the seed's noisy start"
            name = f"SciPy's L-BFGS-B (same cost, box and memory) from {where}"
            report(name, scipy_lbfgsb(transfer, reference, args.target, args.max_iterations), args.max_iterations, 0)
    return 0


def report(name: str, found: tuple[int, int] | None, limit: int, small_evaluations: int) -> None:
    if found is None:
        print(f"{name}: not reached in {limit} iterations")
    else:
        extra = f", {small_evaluations} at the smaller scale first" if small_evaluations else ""
        print(f"{name}: iteration {found[0]}, {found[1]} evaluations at full size{extra}")


def scipy_lbfgsb(transfer, reference, target: float, limit: int) -> tuple[int, int] | None:
    """SciPy's L-BFGS-B on the run's own cost and pixel box: (iteration, evaluations) at the target."""
    import scipy.optimize
    import tensorflow as tf

    from nst_teach.images import as_saved, pixel_box
    from nst_teach.optimizers import LBFGS_HISTORY

    objective = transfer._scales[0].objective
    x0 = transfer.batch()
    lower, upper = (np.broadcast_to(b, x0.shape).ravel() for b in pixel_box())
    evaluations, found = [0], [None]

    def fun(x):
        evaluations[0] += 1
        packed, gradient = objective.value_and_grad(tf.constant(x.reshape(x0.shape).astype(np.float32)))
        return float(packed.numpy()[0]), gradient.numpy().ravel().astype(np.float64)

    def callback(intermediate_result):
        iteration = callback.count = getattr(callback, "count", 0) + 1
        if reference(as_saved(intermediate_result.x.reshape(x0.shape).astype(np.float32))) <= target:
            found[0] = (iteration, evaluations[0])
            raise StopIteration

    scipy.optimize.minimize(
        fun,
        np.clip(x0.ravel(), lower, upper).astype(np.float64),
        jac=True,
        method="L-BFGS-B",
        bounds=scipy.optimize.Bounds(lower, upper),
        callback=callback,
        options={"maxiter": limit, "maxcor": LBFGS_HISTORY},
    )
    return found[0]


if __name__ == "__main__":
    sys.exit(main())
