"""The reference recipe's settings, in one place.

Every notebook, the engine, the command line and the tests read their defaults
from here, so changing a value here changes it everywhere.  The values are the
ones of the reference design (Gatys et al., 2015, as taught in ``notebooks/``).

Introduced in ``notebooks/00_welcome.ipynb``.
"""

from __future__ import annotations

__all__ = [
    "IMG_SIZE",
    "ALPHA",
    "BETA",
    "NOISE_RATIO",
    "CONTENT_LAYER",
    "STYLE_LAYERS",
    "ITERATIONS",
    "LEARNING_RATE",
    "SAVE_EVERY",
    "VGG_MEANS_BGR",
    "NOISE_RANGE",
    "SEED",
    "OUTPUT_DIR",
]

#: Working size of every image, as (width, height) in pixels.
IMG_SIZE: tuple[int, int] = (400, 300)

#: Weight of the content cost in the total cost.
ALPHA: float = 10.0

#: Weight of the style cost in the total cost.
BETA: float = 40.0

#: Share of uniform noise in the starting image: ``0.6·U(−20, 20) + 0.4·content``.
NOISE_RATIO: float = 0.6

#: Half-width of the uniform noise added to the starting image.
NOISE_RANGE: float = 20.0

#: The layer whose activations define "content" (Keras layer index 13).
CONTENT_LAYER: str = "block4_conv2"

#: The layers whose Gram matrices define "style", with their coefficients λ_l.
STYLE_LAYERS: dict[str, float] = {
    "block1_conv1": 0.2,
    "block2_conv1": 0.2,
    "block3_conv1": 0.2,
    "block4_conv1": 0.2,
    "block5_conv1": 0.2,
}

#: Number of optimization steps of the reference recipe's run.
ITERATIONS: int = 500

#: Adam's learning rate in the reference recipe (pixel units: the image is trained directly).
LEARNING_RATE: float = 2.0

#: A snapshot and a cost printout every this many iterations.
SAVE_EVERY: int = 20

#: ImageNet channel means in OpenCV's BGR order, subtracted before VGG-19.
VGG_MEANS_BGR: tuple[float, float, float] = (103.939, 116.779, 123.68)

#: Seed used where a run asks for reproducible randomness and names none.
SEED: int = 0

#: Folder (in the current directory) where ``nst-teach demo`` and the classroom app write their pictures.
OUTPUT_DIR: str = "nst-teach-output"
