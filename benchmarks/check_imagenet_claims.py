"""Before class: print what the course's prose says VGG-19's ImageNet filters show, measured on this machine.

Some sentences of the notebooks, and some model answers, describe what VGG-19 does *with its ImageNet
weights* — feature maps that stand for colours and edges, rebuilds that keep the photo from shallow layers
only, a style cost that jumps when a painting's texture is laid over a photo. The course was written where
the weights cannot be downloaded, so those sentences are marked "**With the ImageNet weights**" (and the
answers "*Needs the ImageNet weights.*"), and this script measures each of them where the weights are.
Run it once before teaching; where a figure contradicts a sentence, tell the class (and the maintainers).

It refuses without the real weights: the figures would be random filters', which the notebooks already
describe. ``--allow-random`` runs it anyway, to test the script itself (its figures are then NOT ImageNet's).

    nst-teach weights --download                          # once, 80 MB
    python benchmarks/check_imagenet_claims.py            # about 10 minutes on a 2-core CPU (the 500-iteration run)
    python benchmarks/check_imagenet_claims.py --out claims/   # also saves the pictures to look at
    python benchmarks/check_imagenet_claims.py --quick --allow-random --weights FILE   # the test's run

Each section names the cell or the model answer whose claim it checks, what the claim says, and the figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np

#: The exit status of a refusal (no ImageNet weights).
REFUSED = 2

#: Solid colours for the "one channel, one hue" test of block1_conv1 (RGB).
HUES = {"red": (220, 30, 30), "green": (30, 180, 30), "blue": (30, 60, 220), "yellow": (230, 220, 40),
        "cyan": (40, 200, 220), "magenta": (200, 40, 200)}  # fmt: skip


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weights", default="auto", help="auto (default), imagenet, or a weights file")
    parser.add_argument("--size", default="400x300", help="the notebooks' working size, WIDTHxHEIGHT")
    parser.add_argument("--small-size", default="200x150", help="the small runs' size (rebuilds), WIDTHxHEIGHT")
    parser.add_argument("--iterations", type=int, default=30, help="iterations of each small run (the notebooks': 30)")
    parser.add_argument("--long", type=int, default=500, help="iterations of the reference recipe's run (05.3)")
    parser.add_argument("--out", type=Path, help="a folder to save the pictures into (PNG), to look at them")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--quick", action="store_true", help="tiny sizes and few iterations: a test of the script")
    parser.add_argument("--allow-random", action="store_true",
                        help="run even without the ImageNet weights, to test the script: the figures are then NOT "
                             "what the notebooks' ImageNet sentences describe")  # fmt: skip
    args = parser.parse_args(argv)
    if args.quick:
        args.size, args.small_size, args.iterations, args.long = "64x48", "64x48", 3, 6
    args.size, args.small_size = (tuple(int(v) for v in s.lower().split("x")) for s in (args.size, args.small_size))
    return args


def refusal(status: Any) -> str | None:
    """Why the figures would not be ImageNet's (the refusal's text), or None when they are."""
    if status.is_pretrained and status.available:
        return None
    return (
        "check_imagenet_claims: refused: the claims it checks are about VGG-19's ImageNet filters, and the weights "
        f"here are not those: {status.detail}.\n{status.message}\n"
        "Get the real weights (`nst-teach weights --download`, or set NST_TEACH_WEIGHTS to the notop file) and run "
        "this again; --allow-random runs it anyway to test the script, with figures that are NOT ImageNet's."
    )


def section(title: str, claim: str) -> None:
    print(f"\n== {title}\n   claim: {claim}")


def save(out: Path | None, name: str, fig: Any) -> None:
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        fig.savefig(out / f"{name}.png", dpi=80)
        print(f"   picture: {out / (name + '.png')}")


def mean_abs(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two uint8 pictures, in 0..255 levels."""
    return float(np.mean(np.abs(a.astype(np.float64) - b.astype(np.float64))))


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    import cv2

    import nst_teach as nst

    status = nst.weights_status(args.weights)
    why = refusal(status)
    if why is not None and not args.allow_random:
        print(why, file=sys.stderr)
        return REFUSED
    if why is not None:
        print(f"RANDOM FILTERS ({status.detail}): the figures below are NOT the ImageNet ones; this tests the script.")
    warnings.simplefilter("ignore")  # the weights were checked above
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no retracing notices: each run below builds its own extractor
    weights, figures = args.weights, {"weights": status.detail, "pretrained": why is None}
    started = time.perf_counter()
    content_rgb, style_rgb = nst.course.picture("tubingen"), nst.course.picture("starry_night")
    size, small, iterations = args.size, args.small_size, args.iterations
    print(f"weights: {status.detail}\nsizes: {size[0]}×{size[1]} and {small[0]}×{small[1]}, {iterations} iterations")

    # 02[8] and answer 02.4: block1_conv1's channels stand for a colour or an edge.
    section("notebook 02, 'What the layers see', and model answer 02.4",
            "with the ImageNet weights some block1_conv1 channels fire on one hue only")  # fmt: skip
    block1 = nst.build_extractor("block1_conv1", weights=weights)
    responses = {name: block1(nst.load_image(np.full((48, 64, 3), rgb, np.uint8), (64, 48)))["block1_conv1"]
                 .numpy().mean(axis=(0, 1, 2)) for name, rgb in HUES.items()}  # fmt: skip
    table = np.stack(list(responses.values()))  # (hues, channels)
    ordered = np.sort(table, axis=0)
    one_hue = (ordered[-1] > 3 * np.maximum(ordered[-2], 1e-6)) & (ordered[-1] > 1)
    print(f"   block1_conv1 channels firing on one of {len(HUES)} hues at least 3× more than on any other: "
          f"{int(one_hue.sum())} of {table.shape[1]}")  # fmt: skip
    figures["one_hue_channels"] = int(one_hue.sum())
    deep = nst.build_extractor(["block1_conv1", "block4_conv2"], weights=weights)(nst.load_image(content_rgb, size))
    for layer in ("block1_conv1", "block4_conv2"):
        a = deep[layer].numpy()
        print(f"   {layer}: {np.mean(a == 0):.0%} of the activations are 0")
        save(args.out, f"02-feature-maps-{layer}", nst.viz.feature_maps(deep, layer, top_k=8))

    # 03[13] and answer 03.3: shallow layers give the photo back; deep ones keep layout, not colours.
    claim = "shallow layers rebuild the photo almost pixel for pixel; from block4 the colours and detail go"
    section("notebook 03, 'Shallow versus deep layers', and model answer 03.3", claim)
    photo = cv2.resize(content_rgb, small, interpolation=cv2.INTER_AREA)
    rebuilt = {}
    for layer in ("block1_conv2", "block2_conv2", "block3_conv2", "block4_conv2", "block5_conv2"):
        run = nst.StyleTransfer(content_rgb, content_rgb, size=small, alpha=1.0, beta=0.0, content_layer=layer,
                                style_layers={"block1_conv1": 1.0}, init="noise", noise_ratio=1.0,
                                weights=weights).run(iterations)  # fmt: skip
        rebuilt[layer] = run.image
        print(f"   {layer}: J_content {run.history.content[0]:.4g} -> {run.history.content[-1]:.4g}, "
              f"mean |rebuilt − photo| = {mean_abs(run.image, photo):.1f} of 255")  # fmt: skip
    figures["rebuilt_difference"] = {layer: mean_abs(image, photo) for layer, image in rebuilt.items()}
    save(args.out, "03-rebuilt", nst.viz.show_images({"photo": photo, **rebuilt}, height=2.0))

    # 04[19]: the shuffled painting keeps its style; the texture laid over the photo takes most of it.
    section("notebook 04, 'Why the Gram matrix is style'",
            "the texture laid over the photo: style cost most of the way to the painting's, content kept")  # fmt: skip
    painting = cv2.resize(style_rgb, size, interpolation=cv2.INTER_AREA)
    photo = cv2.resize(content_rgb, size, interpolation=cv2.INTER_AREA)
    texture = nst.images.shuffle_tiles(painting, (8, 8), seed=1)
    h, w = texture.shape[:2]
    overlaid = np.clip(0.6 * photo[:h, :w] + 0.4 * texture, 0, 255).astype(np.uint8)
    pictures = {"painting S": painting, "S, tiles shuffled": nst.images.shuffle_tiles(painting, (4, 4), seed=0),
                "S, rolled by half": np.roll(painting, size[0] // 2, axis=1), "photo C": photo,
                "C with S's texture": overlaid}  # fmt: skip
    look = nst.build_extractor([nst.CONTENT_LAYER, *nst.STYLE_LAYERS], weights=weights)
    seen = {name: look(nst.load_image(rgb, size)) for name, rgb in pictures.items()}

    def costs(first: str, second: str) -> tuple[float, float]:
        a, b = seen[first], seen[second]
        return (float(nst.style_cost(a, b, nst.STYLE_LAYERS)),
                float(nst.content_cost(a[nst.CONTENT_LAYER], b[nst.CONTENT_LAYER])))  # fmt: skip

    unrelated = costs("painting S", "photo C")
    figures["shares"] = {}
    for pair in [("painting S", "S, tiles shuffled"), ("painting S", "S, rolled by half"),
                 ("photo C", "C with S's texture")]:  # fmt: skip
        j_style, j_content = costs(*pair)
        shares = (j_style / unrelated[0], j_content / unrelated[1])
        figures["shares"][" vs ".join(pair)] = shares
        print(f"   {' vs '.join(pair):32s} style {shares[0]:6.1%}   content {shares[1]:4.0%}   (of painting vs photo)")

    # 04[25] and answer 04.3: what style alone rebuilds, with more and more layers, and block5_conv1 alone.
    claim = "block1 alone: colours and a fine grain; deeper layers add larger texture; block5_conv1 alone: coarse"
    section("notebook 04, 'What style alone rebuilds', and model answer 04.3", claim)
    layers, painted = list(nst.STYLE_LAYERS), {}
    for chosen in [layers[:n] for n in range(1, 6)] + [["block5_conv1"]]:
        run = nst.StyleTransfer(content_rgb, style_rgb, size=small, alpha=0.0, beta=1.0, content_layer=chosen[0],
                                style_layers={name: 1.0 / len(chosen) for name in chosen}, init="noise",
                                noise_ratio=1.0, weights=weights).run(iterations)  # fmt: skip
        label = "+".join(name.split("_")[0] for name in chosen)
        painted[label] = run.image
        print(f"   {label:38s} J_style {run.history.style[0]:.4g} -> {run.history.style[-1]:.4g}")
    save(args.out, "04-style-rebuilt", nst.viz.show_images({"style": style_rgb, **painted}, height=2.0))

    # Answers 05.3 and 05.6: the reference recipe's run, and which layer's Gram matrix matches last.
    claim = "the picture changes most in the first tens of iterations, little after ~200; a deep layer matches last"
    section("model answers 05.3 and 05.6 (the reference recipe's run)", claim)
    kept: dict[int, np.ndarray] = {}
    marks = sorted({m for m in (10, 50, 100, 200) if m < args.long} | {args.long // 2, args.long})

    def keep(step: Any) -> None:
        if step.iteration in marks:
            kept[step.iteration] = step.image()

    reference = nst.StyleTransfer(content_rgb, style_rgb, preset="reference", size=size, weights=weights)
    run = reference.run(args.long, every=1, callback=keep)
    for before, after in zip(marks, marks[1:]):
        if before in kept and after in kept:
            change = mean_abs(kept[before], kept[after])
            print(f"   iterations {before:3d} -> {after:3d}: mean pixel change {change:.1f} of 255")
    rows = run.history.rows()
    print("   style layer: its cost at the end, as a share of its cost at the start (the largest matches last)")
    figures["layer_share_left"] = {}
    for layer in nst.STYLE_LAYERS:
        left = rows[-1]["style_by_layer"][layer] / max(rows[0]["style_by_layer"][layer], 1e-30)
        figures["layer_share_left"][layer] = left
        print(f"     {layer}: {left:.2%}")
    figures["seconds"] = time.perf_counter() - started
    print(f"\n{figures['seconds']:.0f} s in all")
    if args.json is not None:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
