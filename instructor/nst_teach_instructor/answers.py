"""Model answers to the open questions that close every notebook ("## Exercises" in its last cell).

On the instructor's side, like :mod:`nst_teach_instructor.solutions`: ``nst-teach notebooks --solutions``
(:func:`nst_teach_instructor.solve.solve_notebook`) appends them to the solved copies as a "Model answers" cell,
and ``nst-teach notebooks --nbgrader`` (:mod:`nst_teach_instructor.nbgrader`) makes each question a
manually graded answer cell holding its model answer, for the graders.

An answer says what a student should find and why, in the physics of Gatys et al.'s method, referring
to what the notebook shows; where the picture depends on VGG-19's ImageNet filters it starts with
*Needs the ImageNet weights.* and says what random filters (the fallback offline, and in the tests) show
instead (``tests/test_notebook_cells.py``; ``benchmarks/check_imagenet_claims.py`` prints the figures on a
machine with the real weights). :data:`ANSWERS` is keyed by the
notebook's file name without ``.ipynb`` and by the question's number; :func:`questions` reads a
notebook's list, and ``tests/test_answers.py`` checks that every question has exactly one answer.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["ANSWERS", "questions", "notebook_key", "answers_for", "model_answers_markdown", "with_model_answers"]

#: The model answer of each open question: ``{notebook stem: {question number: answer (markdown)}}``.
ANSWERS: dict[str, dict[int, str]] = {
    "00_welcome": {
        1: "With the ImageNet weights in Keras' cache (or a file named by `NST_TEACH_WEIGHTS`) the box is green: "
        "VGG-19 uses its trained filters. Without them it is red, says why (no file, offline) and what to do: "
        "`nst-teach weights --download` (80 MB, once), then run the cell again. With random filters every cell "
        "still runs and every check still grades your functions — the checks compare numbers, not pictures — "
        "but the paintings do not look like the style: random filters respond to no edge, stroke or object, so "
        "the costs measure nothing a painter would recognise.",
        2: "`nst-teach layers` prints VGG-19's table: the input, 16 convolutions and 5 pools with their channels, "
        "scale, receptive field and activation size, the content layer and the five style layers marked — the "
        "table notebook 02 explains. `nst-teach demo` paints the course's own photo, the cottage, in the style of its "
        "own painting, the swirls (40 iterations at 200×150) and writes `./nst-teach-output/nst-teach-demo.jpg`, "
        "relative to the folder the terminal is in; it names the file before it starts, a second run writes "
        "`nst-teach-demo-1.jpg` (no file is ever replaced), and `-o` chooses another file.",
        3: "The large, high-contrast structures survive best: the outline of the house, its roof and windows, the "
        "horizon. They dominate the content layer `block4_conv2` (what is where), and the start image, the photo "
        "itself (nst-teach's default start), already holds them. Flat regions (sky, walls, lawn) take the "
        "painting's colours and texture "
        "first: the content cost says little about them while the style cost acts everywhere. A style with "
        "strong, large patterns (the swirls) overwrites more than a fine-grained one. With random filters (a red "
        "status box) what survives is mostly the start's light–dark shapes under colour noise: do not read the "
        "texture as the painting's.",
        4: "The ratio of `ALPHA` to `BETA` (10 and 40): it sets how much the content counts against the style, and "
        "notebook 06 shows it moving the picture from the photo to pure texture over a few powers of ten. Close "
        "seconds: `CONTENT_LAYER` (how much of the photo is pinned down), `STYLE_LAYERS` and their λ (the scale "
        "of the texture copied), and `ITERATIONS` with `LEARNING_RATE` (how far the optimisation gets). "
        "`IMG_SIZE` changes the time most, and the texture's scale relative to the picture, since receptive "
        "fields are in pixels; `NOISE_RATIO` changes the start more than the end.",
    },
    "01_images": {
        1: "`preprocess` swaps the channels again, so VGG-19 gets the picture in RGB order where it expects BGR "
        "(and each ImageNet mean is subtracted from the wrong channel): its 'blue' inputs hold red. `to_rgb` "
        "undoes exactly what `preprocess` did — adds the same means back, swaps back — so the round trip gives "
        "your BGR array back unchanged (resized), and shown as RGB it has red and blue swapped, like the 'BGR "
        "array, shown as RGB' picture of section 2: orange turns blue. The round trip cannot reveal the "
        "mistake; only the colours do, and the features VGG-19 computes from the wrong colours.",
        2: "`INTER_NEAREST` copies the one nearest input pixel where `INTER_CUBIC` blends a 4×4 neighbourhood: "
        "blocky, jagged edges. The check compares with the package's cubic `preprocess`: bilinear and area "
        "resizing come within its tolerance and pass with a note naming the interpolation, but nearest-neighbour "
        "is on average about 4.7 (out of 255) from cubic on the check's smooth test picture, over its tolerance "
        "of 3, and the check names it: nearest-neighbour resizing, refused because its blocky edges are texture "
        "to VGG-19 (the per-channel means barely differ). Order, means and batch axis are right; only the "
        "resizing differs. Style "
        "transfer would still work, but the jagged edges are texture the network sees.",
        3: "Preprocessing subtracts the ImageNet means in BGR order: (0, 0, 0) becomes (−103.939, −116.779, "
        "−123.68) and (255, 255, 255) becomes (151.061, 138.221, 131.32), for B, G, R. So every input lies "
        "in [−123.68, 151.061], the 'roughly [−124, 152]' of section 3. The range is not centred on 0 because "
        "ImageNet's photos are on average darker than mid-grey (means 104 to 124, below 127.5).",
        4: "Noise and mix belong where the optimisation works: on the float, mean-centred array that VGG-19 gets "
        "and the optimiser changes. There ±20 is in pixel units and values may be fractional, negative or above "
        "255; in `uint8` the noise would be rounded to whole numbers and clipped at 0 and 255 (biased in dark "
        "and bright areas; `uint8` arithmetic even wraps around). The mix (1 − r)·C also differs: on the "
        "centred array it shrinks the picture towards 0, the ImageNet mean colour — 40% of the photo on a "
        "mean-grey ground — where on `uint8` it would shrink towards black and darken the start. And "
        "preprocessing a noisy picture would resize, and so smooth, the noise.",
    },
    "02_vgg19": {
        1: "Start with r₀ = j₀ = 1. `block1_conv1` (k = 3, s = 1): r = 1 + 2·1 = 3; `block1_conv2`: r = 3 + 2·1 "
        "= 5; `block1_pool` (k = 2, s = 2): r = 5 + 1·1 = 6, and the jump doubles to j = 2; `block2_conv1`: "
        "r = 6 + 2·2 = 10. The table says 10×10 at index 4, scale 2: one activation of `block2_conv1` sees a "
        "10×10-pixel patch, and neighbouring activations are 2 pixels apart.",
        2: "The four pools before block 5 halve each side four times, rounding up (SAME padding): width 400 → 200 "
        "→ 100 → 50 → 25, height 300 → 150 → 75 → 38 → 19. With 512 channels the activation is (1, 19, 25, "
        "512): 19·25·512 = 243,200 numbers, the layer table's 19×25×512 — about 3% of `block1_conv1`'s "
        "300·400·64 = 7,680,000.",
        3: "Two: the input layer and `block1_conv1`, with 1,792 parameters (3·3·3·64 weights and 64 biases); the "
        "model is cut right after the deepest layer asked for. A forward pass is then one 3×3 convolution "
        "instead of VGG-19's 16 convolutions and 5 pools (20 million parameters), and the gradient flows back "
        "through that one layer only. Every iteration of style transfer pays for the depth of the deepest "
        "layer it reads: that is why reconstructions from shallow layers are quick and the style cost up to "
        "`block5_conv1` is the expensive part.",
        4: "*Needs the ImageNet weights.* "
        "With the ImageNet weights there are several: `block1_conv1`'s filters are largely colour and "
        "colour-opponent edge detectors, so some channels light up on one hue only (a blue sky, green foliage) "
        "and stay dark elsewhere — compare a channel's map with the picture. With random filters (the fallback) "
        "you will not find a clean one: each random filter mixes the three channels at random and responds to a "
        "blend of colour and brightness. That is the lesson: the colour detectors are learned from ImageNet, not "
        "built into the architecture.",
    },
    "03_content_cost": {
        1: "Kept with the division, `reduce_mean` divides by n_H·n_W·n_C a second time, so the values are "
        "n_H·n_W·n_C times too small (72 times for the check's (1, 4, 6, 3) case: 0.00352 instead of 0.254). "
        "The check says 'not yet' and names it: the mean already divides by n_H·n_W·n_C, the formula sums, so "
        "use `tf.reduce_sum` before the division. Written `tf.reduce_mean(tf.square(a_c - a_g))` alone, the check "
        "names it: the 4 is missing, since `reduce_mean` divides by n_H·n_W·n_C only; `tf.reduce_mean(...) / 4` is "
        "correct, the same number. The ratios in the check's table tell which: a factor that changes with the "
        "shape is a size, a constant one a number.",
        2: "Exactly 0: the start is the content itself, VGG-19 computes the same activations, a^(G) = a^(C), and "
        "every squared difference is 0. At this minimum the gradient is 0 for every pixel, Adam's running "
        "averages of it stay 0, and so does every update: the picture cannot move. It is already at the global "
        "minimum J_content = 0; noise is what gives the optimisation something to do — with `noise_ratio=1.0` "
        "the loop rebuilds the photo from nothing.",
        3: "*Needs the ImageNet weights.* "
        "The cost falls further, but the picture does not become the photo. `block5_conv2`'s activations lie "
        "16 pixels apart and each sees 188 pixels: they keep which objects are roughly where and discard exact "
        "colours, edges and fine texture. Many different images have nearly the same `block5_conv2` "
        "activations; the optimiser finds one of them, not the photo. More iterations sharpen some structure, "
        "but colour and detail stay wrong: that information is not in the layer. With random filters a deep "
        "layer is not tuned to objects, so its rebuild stays noise-like and says little about the trained "
        "network (notebook 03's offline runs show it: `block5_conv2` gives back mostly coloured noise).",
        4: "J = α·J_content + β·J_style, so scaling J_content by a constant is the same as scaling α: the factor "
        "sets how much the content counts against the style — where the minimum of the sum lies, i.e. the "
        "picture. Because it divides by the number of activations, J_content is a mean: it does not grow with "
        "the image or the layer, and α = 10 strikes the same balance at 200×150 and 400×300, at `block4_conv2` "
        "or `block2_conv2`. Without it J_content would be 4·n_H·n_W·n_C = 3,891,200 times larger at "
        "`block4_conv2` for 400×300 (38×50×512), and the reference recipe's α/β would hardly paint at all.",
    },
    "04_gram_and_style_cost": {
        1: "The check says 'not yet' and names the mistake: a plain reshape to (n_C, n_H·n_W) without a transpose. "
        "The activations are stored channel-last, so reading them row by row into n_C rows puts values of "
        "different channels into the same row; each 'channel' of A is a mix of channels. The fix: reshape to "
        "(n_H·n_W, n_C), one row per position, then transpose. Its values are wrong whenever there is more than "
        "one channel; on the one-channel test (1, 5, 3, 1) they agree — nothing to mix — which is why the check "
        "tries several shapes. The tiny example above the exercise shows the same thing: the plain reshape's "
        "rows mix 0, 1, 2, … with 100, 101, ….",
        2: "With 4×4 tiles the shuffled painting keeps nearly all its style (a small share of the painting-versus-"
        "photo cost in the notebook's table). As the tiles shrink the cost grows, first in the deep layers. A "
        "Gram matrix forgets where patterns are, but only patterns smaller than a tile survive the shuffle "
        "intact: each layer sees patches of its receptive field (`block1_conv1` 3 px, `block3_conv1` 24, "
        "`block4_conv1` 68, `block5_conv1` 156). Once the tiles are smaller than a layer's field, it sees "
        "pieces cut apart and hard seams at every tile border, patterns the painting does not have, and its "
        "Gram matrix changes; at 400×300, 16×16 tiles are 25×19 px. The shallow layers notice only when the "
        "tiles are a few pixels wide.",
        3: "*Needs the ImageNet weights.* "
        "`block5_conv1` alone constrains how its 512 channels co-occur on a coarse grid (16 px apart, each "
        "seeing 156 px): large-scale structure, not pixels. With the ImageNet weights the rebuild from noise "
        "shows blotches of the painting's texture at a coarse scale, but the colours and fine strokes, which "
        "the shallow layers carry, are not constrained: colours drift, much of the start's noise stays and "
        "edges are soft. Nothing of the painting's layout is left — no layer keeps it. With random filters "
        "little is recognisable.",
        4: "Because the Gram matrix is itself a sum over the positions: G_ij = Σ_k A_ik·A_jk adds n_H·n_W "
        "products, so it grows like n_H·n_W, and a squared difference of Gram entries like (n_H·n_W)². "
        "Dividing by (n_H·n_W)², and by n_C², the number of entries, makes J_style^[l] independent of the "
        "image size and comparable between layers. The content cost squares the activations' differences "
        "directly: n_H·n_W·n_C terms, each of the size of a squared activation, so dividing by n_H·n_W·n_C "
        "makes it a mean. Each is normalised by the size of what it squares.",
    },
    "05_style_transfer_live": {
        1: "The engine calls `total_cost(J_content, J_style, alpha, beta)` with the run's 10 and 40, so your "
        "function computes 40·J_content + 10·J_style: the content weighs 16 times more against the style "
        "(α/β = 4 instead of 0.25). The picture keeps much more of the photo, with only a tint of the "
        "painting's texture. The first cost no longer matches J(G0) by the formulas: the notebook prints 'the "
        "engine's first cost is … × that', (40·J_content + 10·J_style)/(10·J_content + 40·J_style), below 1 "
        "when J_style > J_content. The check, run, would have said that α and β are swapped.",
        2: "It refuses the function before the run starts: `train_step: your function cannot drive the run, so it "
        "is refused before it starts: … it raised ValueError: No gradients provided for any variable`, followed "
        "by what `check_train_step` says: the gradient is None, TensorFlow found no path from J back to the "
        "image; compute `J = cost_fn(generated)` inside `with tf.GradientTape() as tape:`. A tape records only "
        "the operations run inside its `with` block: a J computed before it is a constant to the tape, "
        "`tape.gradient` returns None, and `apply_gradients` has nothing to apply.",
        3: "*Needs the ImageNet weights.* "
        "With the reference recipe's Adam (learning rate 2, in pixel units) each pixel moves about 2 per step "
        "at most, so "
        "the first tens of iterations change the picture most: the start's noise goes and the colours shift "
        "towards the painting; by 50 the texture is there. Between 50 and 200 it sharpens slowly, and after "
        "about 200 the changes are hard to see while the cost still falls (read the cost curves on their log "
        "scale). The exact point depends on size, α/β and the pictures; with random filters the picture "
        "settles too, but into a texture that is not the painting's.",
        4: "*Needs the ImageNet weights.* "
        "With β = 0 only α·J_content is left: the style no longer counts, so the optimisation only makes "
        "`block4_conv2`'s activations of G equal to the photo's. From the start 0.4·photo + noise it removes the "
        "noise and drifts back towards the photo — a content reconstruction as in notebook 03. Nothing pulls "
        "the style layers' Gram matrices towards the painting's any more: in the grid their differences stay "
        "coloured, or grow as the picture returns to the photo. Because `block4_conv2` does not pin the pixels, "
        "some noise and colour shifts may remain. With random filters the same happens — which costs act does not "
        "depend on what the filters learned — but the photo comes back noisier: random filters at `block4_conv2` "
        "keep less of it.",
        5: "*Needs the ImageNet weights.* "
        "With `block5_conv1` alone the texture comes at one coarse scale: broad bands and swirls of the "
        "painting's colours in large blotches. The fine brush strokes and sharp colour boundaries, which the "
        "shallow layers carry, are missing, and where the coarse correlations say nothing the bridge keeps its "
        "photo texture: compared with all five layers the picture looks smoother at small scales and less "
        "painted. Offline, `picture` gives the bundled stand-ins, and with random filters the 'texture' is that "
        "of untrained features.",
        6: "*Needs the ImageNet weights.* "
        "It is usually a deep layer — `block4_conv1` or `block5_conv1` with the ImageNet weights. Its "
        "activations see large patches, its Gram matrix depends on the whole composition, and `block4_conv1` "
        "sits beside the content layer `block4_conv2`, which pulls the same features towards the photo: two "
        "costs compete there. Unticking it removes a competing term: the other layers' differences fade sooner "
        "and the picture loses the texture at that layer's scale (the large patterns if it was block 5, "
        "colours and grain if it was block 1) while keeping more of the photo. With random filters the order "
        "says more about the optimiser than about the painting, as the notebook warns.",
    },
    "06_experiments": {
        1: "Take the first of the notebook's ratios (α/β = 2.5, 0.25, 0.025, 0.0025) at which the house is gone "
        "and halve the interval between it and the one before (on a log scale) until you find it. It "
        "depends on the style image: J_style's size and gradient come from the painting's Gram matrices, so a "
        "painting with strong, high-contrast texture overruns the content at a higher ratio than a pale, "
        "smooth one. The threshold belongs to the pair of pictures (and to the iterations and the start, the "
        "photo itself by default), not to the method. With random filters the threshold still exists but says nothing "
        "about paintings.",
        2: "`block1_conv1` alone constrains only colour statistics and pixel-scale correlations (a 3-px "
        "receptive field): which colours appear, with what fine grain. `block5_conv2` as content keeps only "
        "the coarse layout (188-px fields, 16 px apart). The result has the painting's palette and a fine "
        "speckled grain, but no brush strokes or swirls — no style layer sees them — and a house whose shapes "
        "are loose and blurred and whose colours are the painting's. Neither cost asks for structure between "
        "these two scales, so what is there is what the start and the optimiser left.",
        3: "Both spend almost all their time in VGG-19's forward and backward passes, whose cost grows with the "
        "number of pixels; L-BFGS's own arithmetic (a few vectors the size of the image) is small beside it, so "
        "the curve per second follows the curve per iteration. Per iteration, L-BFGS's lead usually grows with "
        "the size: Adam moves each pixel by about its learning rate per step whatever the image, while L-BFGS's "
        "curvature estimate and line search choose the whole step. Read both plots of the curves: the gap in "
        "iterations to reach a given cost, and in seconds. In quick mode `S.size` is a thumbnail, so run it in "
        "normal mode.",
        4: "A face is judged by its features and its skin. First give the content more weight: a larger α/β "
        "(about 10 times the reference recipe's) or a shallower content layer (`block3_conv2`) pins the eyes, "
        "mouth and "
        "proportions down. Then `preserve_colors=True` keeps the skin tones, a small `tv_weight` smooths the "
        "speckle that reads as blemishes, and dropping `block5_conv1` keeps large patterns from bending the "
        "face. On `hopper` with the reference recipe's settings the face's fine features are the first to be "
        "painted over.",
    },
}


def _source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else source


def questions(notebook: dict[str, Any]) -> dict[int, str]:
    """The open questions of a notebook: the numbered list under "## Exercises" in its last markdown cell.

    Args:
        notebook: the notebook, as nbformat JSON (a dict).

    Returns:
        ``{number: question}``, the question's lines joined; empty when the notebook has no such list.

    >>> questions({"cells": [{"cell_type": "markdown", "source": "## Exercises\\n\\n1. Why?\\n2. How\\n   so?"}]})
    {1: 'Why?', 2: 'How so?'}
    """
    markdown = [cell for cell in notebook.get("cells", []) if cell.get("cell_type") == "markdown"]
    if not markdown:
        return {}
    _, found, rest = _source(markdown[-1]).partition("## Exercises")
    if not found:
        return {}
    items: dict[int, list[str]] = {}
    current = None
    for line in rest.splitlines():
        if line.startswith("#"):  # the next heading ends the list
            break
        numbered = re.match(r"(\d+)\.\s+(.*)", line)
        if numbered:
            current = int(numbered.group(1))
            items.setdefault(current, []).append(numbered.group(2).strip())
        elif current is not None and line.strip():
            items[current].append(line.strip())
    return {number: " ".join(lines) for number, lines in items.items()}


def notebook_key(notebook: dict[str, Any]) -> str | None:
    """The key of :data:`ANSWERS` for a notebook, found by the number of its title (``# 03 · …``), or None."""
    cells = notebook.get("cells", [])
    title = re.match(r"# (\d+) · ", _source(cells[0])) if cells else None
    if not title:
        return None
    return next((key for key in ANSWERS if key.split("_")[0] == title.group(1)), None)


def answers_for(notebook: dict[str, Any]) -> dict[int, str]:
    """The model answers of a notebook's questions, ``{number: answer}`` (only the questions it asks)."""
    key = notebook_key(notebook)
    known = ANSWERS.get(key, {}) if key else {}
    return {number: known[number] for number in questions(notebook) if number in known}


def model_answers_markdown(notebook: dict[str, Any]) -> str | None:
    """The "Model answers" cell's text: each question, then its answer; None when the notebook asks none."""
    asked = questions(notebook)
    if not asked:
        return None
    answers = answers_for(notebook)
    parts = ["## Model answers", "", "*For instructors (written by `nst-teach notebooks --solutions`).*"]
    for number, question in asked.items():
        parts += ["", f"**{number}. {question}**", "", answers.get(number, "*(no model answer written yet)*")]
    return "\n".join(parts) + "\n"


def with_model_answers(notebook: dict[str, Any]) -> dict[str, Any]:
    """A copy of the notebook with a "Model answers" markdown cell after its exercises (unchanged if none)."""
    text = model_answers_markdown(notebook)
    copy = json.loads(json.dumps(notebook))
    if text is None:
        return copy
    cell: dict[str, Any] = {"cell_type": "markdown", "metadata": {"slideshow": {"slide_type": "slide"}}, "source": text}
    if (copy.get("nbformat", 4), copy.get("nbformat_minor", 0)) >= (4, 5):  # nbformat 4.5: every cell has an id
        cell["id"] = f"{notebook_key(copy) or 'nb'}-model-answers"[:64]
    copy["cells"].append(cell)
    return copy
