r"""The optimisation loop of Neural Style Transfer: :class:`StyleTransfer`.

Style transfer trains an *image*, not a network.  The generated image ``G`` is
a variable; VGG-19 stays frozen; each iteration computes

.. math:: J(G) = \alpha J_{content}(C, G) + \beta J_{style}(S, G) \;[+\; w_{TV} J_{TV}(G)]

and its gradient with respect to the pixels of ``G``, and moves the pixels
downhill.  The targets — the content image's activations and the style
image's Gram matrices — do not change, so they are computed once, when the
:class:`StyleTransfer` is created.

>>> st = StyleTransfer("content.jpg", "style.jpg")  # doctest: +SKIP
>>> for step in st.steps(10):                         # doctest: +SKIP
...     print(step.iteration, step.total)
>>> result = st.run(200, callback=lambda s: print(s.iteration, s.total))  # doctest: +SKIP
>>> result.image.shape                                # doctest: +SKIP
(300, 400, 3)

The loop never displays anything: a plain cell, the live dashboard, the command
line and the tests all observe the same :meth:`StyleTransfer.steps` generator.

Speed comes from three choices:

* VGG-19 is cut after the deepest layer the costs use (``block5_conv1``: the
  last four convolutions and the pools after it are never computed);
* one ``tf.function`` computes every cost and the gradient, traced once per
  image size (fixed ``input_signature``), so an iteration is one call into
  TensorFlow and one small read of the costs back into Python;
* the default optimiser is L-BFGS (:mod:`nst_teach.lbfgs`), which uses the same
  one gradient per iteration as Adam but reaches a given cost in far fewer
  iterations, and the default precision is ``"auto"``: bfloat16 where the
  hardware computes it natively (:func:`nst_teach.precision.resolve_precision`).
  ``preset="seed"`` gives back the seed's exact recipe (Adam, learning rate 2,
  float32, 500 iterations, noisy start).

Introduced in ``notebooks/05_style_transfer_live.ipynb``; the extras (several
styles, ``style_scale``, ``preserve_colors``, ``tv_weight``, ``scales``) in
``notebooks/06_experiments.ipynb``.
"""

from __future__ import annotations

import difflib
import importlib.util
import math
import numbers
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tensorflow as tf

from . import costs
from .defaults import (
    ALPHA,
    BETA,
    CONTENT_LAYER,
    IMG_SIZE,
    ITERATIONS,
    LEARNING_RATE,
    NOISE_RATIO,
    SAVE_EVERY,
    SEED,
    STYLE_LAYERS,
)
from .errors import ImageError, LayerError, OptionError
from .layers import layer_name
from .lbfgs import LBFGS
from .precision import PRECISIONS, resolve_precision

__all__ = ["StyleTransfer", "Step", "Result", "History", "OPTIONS"]

#: Step length L-BFGS tries first (1 is the quasi-Newton step); ``learning_rate`` with ``optimizer="lbfgs"``.
LBFGS_LEARNING_RATE = 1.0

#: How many (s, y) pairs the L-BFGS optimiser remembers (20 reached a given cost in a few
#: iterations fewer than 10 at 200×150; each pair costs two image-sized float32 arrays).
LBFGS_HISTORY = 20

#: Every option :class:`StyleTransfer` takes, with its default.  ``None`` for
#: ``learning_rate`` means "the optimiser's own": 2 for Adam (the seed's), 1 for L-BFGS.
OPTIONS: dict[str, Any] = {
    "alpha": ALPHA,
    "beta": BETA,
    "tv_weight": 0.0,
    "content_layer": CONTENT_LAYER,
    "style_layers": dict(STYLE_LAYERS),
    "style_blend": None,
    "style_scale": 1.0,
    "pooling": "avg",
    "init": "noise",
    "noise_ratio": NOISE_RATIO,
    "optimizer": "lbfgs",
    "learning_rate": None,
    "size": None,
    "weights": "auto",
    "precision": "auto",
    "seed": SEED,
    "iterations": ITERATIONS,
    "log_dir": None,
    "preserve_colors": False,
    "scales": None,
    "preset": None,
}

#: What ``preset="seed"`` sets (options given explicitly still win).
SEED_PRESET: dict[str, Any] = {
    "optimizer": "adam",
    "learning_rate": LEARNING_RATE,
    "precision": "float32",
    "iterations": ITERATIONS,
    "init": "noise",
}

_OPTIMIZERS = ("adam", "lbfgs")
_POOLINGS = ("avg", "max")
_INITS = ("noise", "content", "style")
_WEIGHT_KEYWORDS = ("auto", "imagenet", "random")


# ---------------------------------------------------------------------------
# What the loop reports
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """What one iteration of :meth:`StyleTransfer.steps` reports.

    The costs are those of the image the iteration *started from* (the one whose
    gradient it followed), so the first step reports the costs of the initial image;
    :meth:`image` is the image *after* the iteration.

    Attributes:
        iteration: 1-based number of the iteration, counted over the whole life of
            the :class:`StyleTransfer` (a second ``run`` continues the count).
        iterations: the iteration the current ``steps``/``run`` call ends at.
        total: the total cost J (a Python float).
        content: the content cost J_content.
        style: the style cost J_style (the λ-weighted sum of ``style_by_layer``).
        style_by_layer: ``{layer name: J_style of that layer}`` (before λ).
        tv: the total-variation cost of the image (reported even when ``tv_weight`` is 0).
        elapsed: seconds of optimisation so far (wall time, over all runs of this object).
        scale: the scale of the image (1.0 unless ``scales`` was given).
        size: the image's (width, height) at this scale.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    iteration: int
    iterations: int
    total: float
    content: float
    style: float
    style_by_layer: dict[str, float]
    tv: float
    elapsed: float
    scale: float
    size: tuple[int, int]
    _image: Callable[[], np.ndarray] = field(repr=False, compare=False)
    _activations: Callable[[Any], dict[str, np.ndarray]] = field(repr=False, compare=False)

    def image(self) -> np.ndarray:
        """The image after this iteration, RGB uint8 ``(H, W, 3)`` (computed when asked).

        With ``preserve_colors=True`` it has the content image's colours.
        The Step keeps a reference to the image (~1.4 MB at 400×300): keep the
        Steps you need, not all of them.
        """
        return self._image()

    def activations(self, layers: Any) -> dict[str, np.ndarray]:
        """The generated image's activations after this iteration (computed when asked).

        Args:
            layers: one layer or a list of layers (names or indices), any of VGG-19's.

        Returns:
            ``{layer name: float32 array (1, n_H, n_W, n_C)}``.
        """
        return self._activations(layers)


class History:
    """Per-iteration costs of a :class:`StyleTransfer`, as columns.

    Each attribute is a NumPy array with one entry per iteration: ``iteration``,
    ``total``, ``content``, ``style``, ``tv``, ``elapsed``, ``scale``;
    ``style_by_layer`` is ``{layer name: array}``.  ``len(history)`` is the number
    of iterations, ``history[i]`` the i-th row as a dict, ``history.rows()`` all
    rows.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    _COLUMNS = ("iteration", "total", "content", "style", "tv", "elapsed", "scale")

    def __init__(self, style_layers: Sequence[str] = ()) -> None:
        self._columns: dict[str, list[float]] = {name: [] for name in self._COLUMNS}
        self._by_layer: dict[str, list[float]] = {name: [] for name in style_layers}

    def append(self, step: Step) -> None:
        """Adds one step's costs."""
        for name in self._COLUMNS:
            self._columns[name].append(getattr(step, name))
        for name, value in step.style_by_layer.items():
            self._by_layer.setdefault(name, []).append(value)

    def copy(self) -> History:
        """An independent copy (what :class:`Result` holds)."""
        new = History()
        new._columns = {k: list(v) for k, v in self._columns.items()}
        new._by_layer = {k: list(v) for k, v in self._by_layer.items()}
        return new

    def __len__(self) -> int:
        return len(self._columns["iteration"])

    def __getitem__(self, i: int) -> dict[str, Any]:
        row: dict[str, Any] = {name: values[i] for name, values in self._columns.items()}
        row["style_by_layer"] = {name: values[i] for name, values in self._by_layer.items()}
        return row

    def rows(self) -> list[dict[str, Any]]:
        """Every iteration as a dict (``iteration``, ``total``, ..., ``style_by_layer``)."""
        return [self[i] for i in range(len(self))]

    def _column(self, name: str) -> np.ndarray:
        dtype = np.int64 if name == "iteration" else np.float64
        return np.asarray(self._columns[name], dtype=dtype)

    iteration = property(lambda self: self._column("iteration"), doc="Iteration numbers (1-based).")
    total = property(lambda self: self._column("total"), doc="Total cost J per iteration.")
    content = property(lambda self: self._column("content"), doc="Content cost per iteration.")
    style = property(lambda self: self._column("style"), doc="Style cost per iteration.")
    tv = property(lambda self: self._column("tv"), doc="Total-variation cost per iteration.")
    elapsed = property(lambda self: self._column("elapsed"), doc="Seconds of optimisation at each iteration.")
    scale = property(lambda self: self._column("scale"), doc="Scale of the image at each iteration.")

    @property
    def style_by_layer(self) -> dict[str, np.ndarray]:
        """``{layer name: style cost of that layer per iteration}``."""
        return {name: np.asarray(values, dtype=np.float64) for name, values in self._by_layer.items()}

    def __repr__(self) -> str:
        if not len(self):
            return "History(0 iterations)"
        return f"History({len(self)} iterations, total {self._columns['total'][0]:.4g} -> {self._columns['total'][-1]:.4g})"


@dataclass(frozen=True)
class Result:
    """What :meth:`StyleTransfer.run` returns.

    Attributes:
        image: the final image, RGB uint8 ``(H, W, 3)``.
        best_image: the image with the lowest total cost seen (at the final scale).
        history: the costs of every iteration so far (:class:`History`).
        stopped: True when the run ended before its planned last iteration
            (:meth:`StyleTransfer.stop`, Ctrl-C, a non-finite cost, or an optimiser
            that could not go further).
        message: why it stopped (``None`` if it did not).
        precision: the number format VGG-19 ran in (``"float32"`` or ``"bfloat16"``).
        weights: the ``WeightsStatus`` of the VGG-19 weights used.
        iterations_done: iterations done so far by the :class:`StyleTransfer`.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """

    image: np.ndarray
    best_image: np.ndarray
    history: History
    stopped: bool
    message: str | None
    precision: str
    weights: Any
    iterations_done: int


# ---------------------------------------------------------------------------
# Checking the options (pure Python: runs before any image or weight is loaded)
# ---------------------------------------------------------------------------


def _did_you_mean(value: Any, choices: Sequence[str]) -> str:
    if not isinstance(value, str):
        return ""
    close = difflib.get_close_matches(value.lower(), list(choices), n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


def _number(name: str, value: Any, *, positive: bool = False) -> float:
    """A finite float >= 0 (> 0 if ``positive``), or OptionError naming the option."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise OptionError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    v = float(value)
    if not math.isfinite(v) or v < 0 or (positive and v == 0):
        bound = "> 0" if positive else ">= 0"
        raise OptionError(f"{name} must be a finite number {bound}, got {value!r}.")
    return v


def _choice(name: str, value: Any, choices: Sequence[str]) -> str:
    if isinstance(value, str) and value.lower() in choices:
        return value.lower()
    raise OptionError(
        f"{name} must be one of {', '.join(repr(c) for c in choices)}, got {value!r}.{_did_you_mean(value, choices)}"
    )


def _layer(name: str, value: Any) -> str:
    try:
        return layer_name(value)
    except LayerError as exc:
        raise OptionError(f"{name}: {exc}") from None


def _style_layers(value: Any) -> dict[str, float]:
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)) and value:
        items = [(layer, 1.0 / len(value)) for layer in value]  # a plain list: equal coefficients
    else:
        raise OptionError(
            f"style_layers must be a dict {{layer: coefficient}} such as {dict(STYLE_LAYERS)!r}, "
            f"got {type(value).__name__} {value!r}."
        )
    if not items:
        raise OptionError("style_layers is empty; give at least one layer, e.g. {'block1_conv1': 1.0}.")
    layers: dict[str, float] = {}
    for layer, coefficient in items:
        layers[_layer("style_layers", layer)] = _number(f"style_layers[{layer!r}]", coefficient)
    if not any(layers.values()):
        raise OptionError(
            f"style_layers: every coefficient is 0 ({layers}), so there is no style to transfer; "
            "give at least one layer a coefficient > 0."
        )
    return layers


def _size(name: str, value: Any) -> tuple[int, int]:
    if (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, (numbers.Integral, np.integer)) and not isinstance(v, bool) for v in value)
    ):
        from .images import MIN_SIDE

        w, h = int(value[0]), int(value[1])
        if min(w, h) >= MIN_SIDE:
            return w, h
        raise OptionError(f"{name} = {tuple(value)} is too small: both sides must be at least {MIN_SIDE} pixels.")
    raise OptionError(f"{name} must be (width, height) in pixels, e.g. {IMG_SIZE}, got {value!r}.")


def _is_batch(x: Any) -> bool:
    """True for an already preprocessed image: a float array or tensor of rank 4."""
    if isinstance(x, (tf.Tensor, tf.Variable)):
        return x.dtype.is_floating and x.shape.rank == 4
    return isinstance(x, np.ndarray) and np.issubdtype(x.dtype, np.floating) and x.ndim == 4


def _check_image_type(name: str, x: Any) -> None:
    if isinstance(x, (str, os.PathLike, np.ndarray, tf.Tensor, tf.Variable)):
        return
    raise OptionError(
        f"{name} must be an image: a file path, an http(s) URL, a NumPy array, or a preprocessed "
        f"(1, H, W, 3) batch; got {type(x).__name__}."
    )


def _resolve_options(options: dict[str, Any]) -> dict[str, Any]:
    """Checks every option and fills in the defaults; raises OptionError on the first bad one."""
    unknown = [name for name in options if name not in OPTIONS]
    if unknown:
        hint = _did_you_mean(unknown[0], list(OPTIONS))
        raise OptionError(
            f"StyleTransfer() got an unexpected option {unknown[0]!r}.{hint} "
            f"Valid options: {', '.join(OPTIONS)}."
        )
    preset = options.get("preset")
    if preset is not None and preset != "seed":
        raise OptionError(f"preset must be None or 'seed', got {preset!r}.{_did_you_mean(preset, ['seed'])}")
    o = dict(OPTIONS)
    if preset == "seed":
        o.update(SEED_PRESET)
    o.update(options)

    o["alpha"] = _number("alpha", o["alpha"])
    o["beta"] = _number("beta", o["beta"])
    o["tv_weight"] = _number("tv_weight", o["tv_weight"])
    o["content_layer"] = _layer("content_layer", o["content_layer"])
    o["style_layers"] = _style_layers(o["style_layers"])
    o["pooling"] = _choice("pooling", o["pooling"], _POOLINGS)
    o["optimizer"] = _choice("optimizer", "lbfgs" if o["optimizer"] in ("l-bfgs", "L-BFGS") else o["optimizer"], _OPTIMIZERS)
    if o["learning_rate"] is None:
        o["learning_rate"] = LEARNING_RATE if o["optimizer"] == "adam" else LBFGS_LEARNING_RATE
    o["learning_rate"] = _number("learning_rate", o["learning_rate"], positive=True)
    o["noise_ratio"] = _number("noise_ratio", o["noise_ratio"])
    if o["noise_ratio"] > 1:
        raise OptionError(f"noise_ratio must be between 0 and 1 (the share of noise), got {o['noise_ratio']!r}.")
    o["style_scale"] = _number("style_scale", o["style_scale"], positive=True)

    init = o["init"]
    if isinstance(init, str) and init.lower() in _INITS:
        o["init"] = init.lower()
    elif isinstance(init, str) and not (os.path.exists(init) or init.startswith(("http://", "https://"))):
        raise OptionError(
            f"init must be 'noise', 'content', 'style' or an image (path, URL, array); got {init!r}, "
            f"which is neither a keyword nor an existing file.{_did_you_mean(init, _INITS)}"
        )
    else:
        _check_image_type("init", init)

    if o["size"] is not None:
        o["size"] = _size("size", o["size"])

    weights = o["weights"]
    if not isinstance(weights, (str, os.PathLike)):
        raise OptionError(f"weights must be 'auto', 'imagenet', 'random' or a path to a weights file, got {weights!r}.")
    if isinstance(weights, str) and weights.lower() in _WEIGHT_KEYWORDS:
        o["weights"] = weights.lower()
    elif not os.path.isfile(weights):
        raise OptionError(
            f"weights = {weights!r} is neither 'auto', 'imagenet' or 'random' nor an existing file."
            f"{_did_you_mean(str(weights), _WEIGHT_KEYWORDS)} Check the path, or use weights='auto'."
        )

    if not (isinstance(o["precision"], str) and o["precision"] in PRECISIONS):
        raise OptionError(
            f"precision must be one of {', '.join(repr(p) for p in PRECISIONS)}, got {o['precision']!r}."
            f"{_did_you_mean(o['precision'], PRECISIONS)}"
        )
    o["precision"] = resolve_precision(o["precision"])

    seed = o["seed"]
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.integer)) or seed < 0):
        raise OptionError(f"seed must be a non-negative int or None, got {seed!r}.")

    iterations = o["iterations"]
    if isinstance(iterations, bool) or not isinstance(iterations, (numbers.Integral, np.integer)) or iterations < 1:
        raise OptionError(f"iterations must be an int >= 1, got {iterations!r}.")
    o["iterations"] = int(iterations)

    if o["log_dir"] is not None and not isinstance(o["log_dir"], (str, os.PathLike)):
        raise OptionError(f"log_dir must be a folder path or None, got {type(o['log_dir']).__name__} {o['log_dir']!r}.")
    if o["log_dir"] is not None and importlib.util.find_spec("tensorboard") is None:
        raise OptionError("log_dir needs TensorBoard, which is not installed: `pip install tensorboard`, or leave log_dir out.")
    if not isinstance(o["preserve_colors"], (bool, np.bool_)):
        raise OptionError(f"preserve_colors must be True or False, got {o['preserve_colors']!r}.")
    o["preserve_colors"] = bool(o["preserve_colors"])

    scales = o["scales"]
    if scales is not None:
        if isinstance(scales, np.ndarray):
            scales = scales.tolist()
        if isinstance(scales, (str, bytes)) or not isinstance(scales, Sequence) or not scales:
            raise OptionError(f"scales must be None or a list of fractions of size such as [0.5, 1.0], got {scales!r}.")
        scales = [_number("scales", s, positive=True) for s in scales]
        if any(b <= a for a, b in zip(scales, scales[1:])):
            raise OptionError(f"scales must increase (coarse to fine), e.g. [0.5, 1.0]; got {o['scales']!r}.")
        o["scales"] = scales
    return o


def _check_blend(blend: Any, n_styles: int) -> list[float]:
    if blend is None:
        return [1.0 / n_styles] * n_styles
    if isinstance(blend, (str, bytes)) or not isinstance(blend, (Sequence, np.ndarray)):
        raise OptionError(f"style_blend must be a list of {n_styles} weights (one per style image), got {blend!r}.")
    if len(blend) != n_styles:
        raise OptionError(
            f"style_blend has {len(blend)} weights but there are {n_styles} style images; give one weight per style."
        )
    weights = [_number("style_blend", w) for w in blend]
    if not sum(weights) > 0:
        raise OptionError(f"style_blend weights are all 0 ({list(blend)!r}); give at least one style a weight > 0.")
    return [w / sum(weights) for w in weights]  # normalised: the blend of Grams keeps the scale of one Gram


# ---------------------------------------------------------------------------
# Images in, at whatever size a scale needs
# ---------------------------------------------------------------------------


class _Source:
    """An input image, read once, that can be produced at any size.

    Files, URLs and arrays are read into RGB once and preprocessed (cubic resize)
    at each size asked for; an already preprocessed batch is resized with
    :func:`nst_teach.images.resize_to`.
    """

    def __init__(self, name: str, src: Any) -> None:
        from . import images

        self.name = name
        if _is_batch(src):
            batch = np.asarray(src, dtype=np.float32)
            if batch.shape[0] != 1 or batch.shape[-1] != 3:
                raise OptionError(f"{name} must be a (1, H, W, 3) preprocessed batch, got shape {batch.shape}.")
            if not np.all(np.isfinite(batch)):
                raise OptionError(f"{name} contains NaN or infinite values; preprocess a real image.")
            self.batch: np.ndarray | None = batch
            self.rgb: np.ndarray | None = None
        else:
            _check_image_type(name, src)
            try:
                self.rgb = images.read_image(np.asarray(src) if isinstance(src, (tf.Tensor, tf.Variable)) else src)
            except ImageError as exc:  # say which argument was wrong, keep the error's type
                raise type(exc)(f"{name}: {exc}") from exc
            self.batch = None

    @property
    def native_size(self) -> tuple[int, int]:
        """(width, height) of the image as given."""
        shape = self.batch.shape[1:3] if self.batch is not None else self.rgb.shape[:2]
        return int(shape[1]), int(shape[0])

    def at(self, size: tuple[int, int]) -> np.ndarray:
        """The preprocessed (1, H, W, 3) float32 batch at ``size`` = (width, height)."""
        from . import images

        if self.batch is not None:
            return self.batch if self.native_size == size else np.asarray(images.resize_to(self.batch, size), np.float32)
        return np.asarray(images.preprocess(self.rgb, size), np.float32)


def _scaled(size: tuple[int, int], factor: float) -> tuple[int, int]:
    return max(1, round(size[0] * factor)), max(1, round(size[1] * factor))


def _keep_colors(generated_rgb: np.ndarray, content_rgb: np.ndarray) -> np.ndarray:
    """Luminance of ``generated_rgb`` with the chroma (Cr, Cb) of ``content_rgb``."""
    import cv2

    luminance = cv2.cvtColor(generated_rgb, cv2.COLOR_RGB2YCrCb)[..., 0]
    ycrcb = cv2.cvtColor(content_rgb, cv2.COLOR_RGB2YCrCb)
    ycrcb[..., 0] = luminance
    return cv2.cvtColor(ycrcb, cv2.COLOR_YCrCb2RGB)


# ---------------------------------------------------------------------------
# The objective at one image size
# ---------------------------------------------------------------------------


class _Objective:
    """The costs at one image size: targets computed once, one traced ``tf.function``.

    ``value_and_grad(x)`` returns a float32 vector ``[total, content, style, tv,
    style of each layer...]`` and the gradient of ``total`` with respect to ``x``.
    """

    def __init__(
        self,
        extractor: Any,
        content: np.ndarray,
        styles: list[np.ndarray],
        blend: list[float],
        o: dict[str, Any],
    ) -> None:
        self.extractor = extractor
        self.shape = content.shape
        self.content_layer = o["content_layer"]
        self.style_layers = dict(o["style_layers"])
        self.alpha, self.beta, self.tv_weight = o["alpha"], o["beta"], o["tv_weight"]

        acts = extractor(content)
        self.content_target = tf.constant(acts[self.content_layer], tf.float32)
        # The generated image has the content's size, so its layers have the content's n_H·n_W.
        self.n_hw = {name: int(acts[name].shape[1] * acts[name].shape[2]) for name in self.style_layers}
        style_acts = [extractor(style) for style in styles]
        self.style_targets: dict[str, tf.Tensor] = {}
        for name in self.style_layers:
            target = tf.zeros((acts[name].shape[-1],) * 2, tf.float32)
            for a_style, weight in zip(style_acts, blend):
                a_s = a_style[name]
                n_hw_s = int(a_s.shape[1] * a_s.shape[2])
                # A Gram sums over positions, so it grows with the image: G_S / n_hw_S is a
                # per-position average.  Rescaling to the generated image's n_hw makes
                # gram_cost(G_S', G_G, n_hw) = Σ (G_S/n_hw_S − G_G/n_hw)² / (4 n_C²),
                # the seed's formula exactly when both sizes are equal.
                target += weight * costs.gram_matrix(a_s) * (self.n_hw[name] / n_hw_s)
            self.style_targets[name] = target
        self.value_and_grad = tf.function(
            self._value_and_grad, input_signature=[tf.TensorSpec(self.shape, tf.float32)]
        )

    def packed_costs(self, x: tf.Tensor) -> tf.Tensor:
        """``[total, content, style, tv, style per layer...]`` of the image ``x`` (float32)."""
        acts = self.extractor(x)
        j_content = costs.content_cost(self.content_target, acts[self.content_layer])
        by_layer = [
            costs.gram_cost(self.style_targets[name], costs.gram_matrix(acts[name]), self.n_hw[name])
            for name in self.style_layers
        ]
        j_style = tf.add_n([lam * j for lam, j in zip(self.style_layers.values(), by_layer)])
        j_tv = costs.total_variation_cost(x)
        total = costs.total_cost(j_content, j_style, self.alpha, self.beta) + self.tv_weight * j_tv
        return tf.stack([total, j_content, j_style, j_tv, *by_layer])

    def _value_and_grad(self, x: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            tape.watch(x)
            packed = self.packed_costs(x)
            total = packed[0]  # inside the tape, so that the slice is recorded too
        return packed, tape.gradient(total, x)


class _Adam:
    """Adam on a ``tf.Variable`` image; one traced ``tf.function`` per step."""

    def __init__(self, objective: _Objective, x0: np.ndarray, learning_rate: float) -> None:
        self.objective = objective
        self.learning_rate = learning_rate
        self.variable = tf.Variable(x0, dtype=tf.float32, trainable=True)
        self._new_optimizer()

    def _new_optimizer(self) -> None:
        import keras

        self.optimizer = keras.optimizers.Adam(self.learning_rate)
        self.optimizer.build([self.variable])  # its moments exist before the step is traced
        self._step = tf.function(self._train_step, input_signature=[])

    def _train_step(self) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        with tf.GradientTape() as tape:
            packed = self.objective.packed_costs(self.variable)
            total = packed[0]  # inside the tape, so that the slice is recorded too
        gradient = tape.gradient(total, self.variable)
        before = tf.identity(self.variable)
        self.optimizer.apply_gradients([(gradient, self.variable)])
        after = tf.identity(self.variable)
        image_is_finite = tf.cast(tf.reduce_all(tf.math.is_finite(after)), tf.float32)
        return tf.concat([packed, [image_is_finite]], 0), before, after

    def step(self) -> tuple[np.ndarray, Any, Any, bool, str | None, float | None]:
        packed, before, after = self._step()
        packed = packed.numpy()  # the one device -> host read of the iteration
        return packed[:-1], before, after, bool(packed[-1]), None, None

    @property
    def image(self) -> Any:
        return self.variable

    def restore(self, x: Any) -> None:
        """Puts ``x`` back and forgets Adam's moments (they may hold NaN)."""
        self.variable.assign(x)
        self._new_optimizer()


class _Lbfgs:
    """L-BFGS (:class:`nst_teach.lbfgs.LBFGS`) on the flattened image."""

    def __init__(self, objective: _Objective, x0: np.ndarray, learning_rate: float) -> None:
        self.objective = objective
        self.shape = x0.shape
        self.learning_rate = learning_rate
        self.optimizer = self._new(x0)

    def _new(self, x0: Any) -> LBFGS:
        # Every cost is >= 0, so the first step may aim at 0 (Polyak's step): much longer than
        # PyTorch's min(1, 1/|g|₁), whose change of the cost float32 cannot even resolve at 400×300.
        x0 = np.asarray(x0, np.float32).ravel()
        return LBFGS(self._fun, x0, lr=self.learning_rate, history_size=LBFGS_HISTORY, f_lower_bound=0.0)

    def _fun(self, x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        packed, gradient = self.objective.value_and_grad(tf.constant(x.reshape(self.shape)))
        packed = packed.numpy()
        return float(packed[0]), gradient.numpy().ravel(), packed

    def step(self) -> tuple[np.ndarray, Any, Any, bool, str | None, float | None]:
        opt = self.optimizer
        opt.evaluate()
        packed, before = opt.aux, opt.x
        moved = opt.step()
        message = None if moved else f"L-BFGS could not go further: {opt.message}"
        return packed, before.reshape(self.shape), opt.x.reshape(self.shape), True, message, opt.f if moved else None

    @property
    def image(self) -> np.ndarray:
        return self.optimizer.x.reshape(self.shape)

    def restore(self, x: Any) -> None:
        self.optimizer = self._new(x)


@dataclass
class _Scale:
    factor: float
    size: tuple[int, int]
    objective: _Objective
    content: np.ndarray
    _content_rgb: np.ndarray | None = None

    def content_rgb(self) -> np.ndarray:
        from .images import to_rgb

        if self._content_rgb is None:
            self._content_rgb = to_rgb(self.content)
        return self._content_rgb


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


class StyleTransfer:
    r"""Neural Style Transfer of one content image in the style of one (or several) style images.

    Creating the object checks every option, loads the images, builds VGG-19 (cut
    after the deepest layer used) and computes the targets; nothing is optimised
    until :meth:`steps` or :meth:`run`.

    Args:
        content: the content image: a path, an http(s) URL, a NumPy array (uint8 RGB,
            grayscale or RGBA), or an already preprocessed float32 ``(1, H, W, 3)`` batch.
        style: the style image (same forms), or a list of them to blend.
        **options: any of :data:`OPTIONS` (unknown names raise :class:`OptionError`):

            * ``alpha``, ``beta`` (10, 40) — weights of the content and style costs.
            * ``tv_weight`` (0) — weight of the total-variation cost
              (:func:`nst_teach.costs.total_variation_cost`): > 0 smooths the image,
              removing the high-frequency speckle style transfer tends to leave.
            * ``content_layer`` (``"block4_conv2"``), ``style_layers``
              (``{"block1_conv1": 0.2, ...}``, a dict layer -> λ; a plain list means
              equal λ) — layers by name or index.
            * ``pooling`` (``"avg"``) — ``"avg"`` or ``"max"`` pools in VGG-19.
            * ``init`` (``"noise"``) — the starting image: ``"noise"``
              (``noise_ratio``·U(−20, 20) + (1 − ``noise_ratio``)·content, seeded by ``seed``),
              ``"content"``, ``"style"`` (the first style image at the content's size),
              or an image.
            * ``noise_ratio`` (0.6) — share of noise in ``init="noise"``.
            * ``optimizer`` (``"lbfgs"``) — ``"lbfgs"`` or ``"adam"``.
            * ``learning_rate`` — Adam's step size in pixel units (2, the seed's), or the
              step length L-BFGS tries first (1).
            * ``size`` — (width, height) of the result.  Default: the content's own
              size if it is a preprocessed batch, else 400×300 (the seed's).
            * ``weights`` (``"auto"``) — ``"auto"``, ``"imagenet"``, ``"random"`` or a file
              (see :func:`nst_teach.model.build_extractor`).
            * ``precision`` (``"auto"``) — ``"float32"``, ``"bfloat16"`` or ``"auto"``
              (bfloat16 where the hardware runs it natively).  Only VGG-19 runs in
              bfloat16 (Keras ``mixed_bfloat16``); the image, the Gram matrices and the
              costs are always float32.
            * ``seed`` (0) — seed of the noise; same seed, same result.  ``None``: fresh noise.
            * ``iterations`` (500) — how many iterations :meth:`run` does by default.
            * ``log_dir`` (None) — a folder to write TensorBoard summaries to: the costs
              (``cost/total``, ``cost/content``, ``cost/style``, ``cost/style/<layer>``,
              ``cost/tv``) every iteration, the image every ``every`` iterations, and the
              graph of the training step.  ``tensorboard --logdir <log_dir>`` shows them.
            * ``style_blend`` — with several style images, their weights (default equal).
              The target Gram matrix of each layer is the weighted sum of the styles' Gram
              matrices (weights normalised to sum to 1).
            * ``style_scale`` (1.0) — size of the style image relative to the content's
              size.  Smaller makes the style's strokes and patterns larger in the result,
              larger makes them finer.  A Gram matrix sums over positions, so it grows
              with the image; each Gram is divided by its number of positions
              :math:`n_H n_W` before the two are compared, which lets the sizes differ
              (and is exactly the seed's cost when they are equal).
            * ``preserve_colors`` (False) — luminance-only transfer: the result keeps the
              generated image's luminance (Y, where texture and shading live) and takes
              its chroma (Cr, Cb) from the content image, so the style changes the
              brushwork but not the colours.  Applied to every image this object returns.
            * ``scales`` (None) — coarse to fine, e.g. ``[0.5, 1.0]``: optimise at half
              size first, then upsample the result as the start of the next scale.  The
              iterations of a run are split equally between the scales (the remainder
              goes to the last); the style image is scaled with the content.  Coarse
              scales are cheap and settle the large structures.  ``Step.scale`` says
              which scale an iteration ran at.
            * ``preset`` (None) — ``"seed"``: the seed's exact recipe (Adam, learning
              rate 2, float32, 500 iterations, noisy start); options given explicitly win.

    Raises:
        OptionError: an option is unknown or invalid (raised before any image or
            weight is loaded).
        ImageError: an image cannot be read.
        WeightsError: the VGG-19 weights cannot be loaded.

    Attributes:
        options: the resolved options (a dict; do not modify).
        precision: ``"float32"`` or ``"bfloat16"``, what VGG-19 runs in.
        weights: the ``WeightsStatus`` of the weights used.
        extractor: the :class:`nst_teach.model.Extractor` the costs use.
        history: the :class:`History` of every iteration so far.
        iteration: iterations done so far.
        iterations: the default number of iterations of :meth:`run`.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> st = StyleTransfer("content.jpg", "style.jpg", size=(200, 150))  # doctest: +SKIP
    >>> result = st.run(100)                                               # doctest: +SKIP
    """

    def __init__(self, content: Any, style: Any, **options: Any) -> None:
        o = _resolve_options(options)
        _check_image_type("content", content)
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise OptionError("style is an empty list; give at least one style image.")
        for i, s in enumerate(styles):
            _check_image_type("style" if len(styles) == 1 else f"style[{i}]", s)
        blend = _check_blend(o["style_blend"], len(styles))
        self.options = o
        self.precision: str = o["precision"]
        self.iterations: int = o["iterations"]

        # Sizes: known before any image is read (a preprocessed batch has its shape).
        if o["size"] is not None:
            size = o["size"]
        elif _is_batch(content):
            size = (int(content.shape[2]), int(content.shape[1]))
        else:
            size = IMG_SIZE
        self._scale_plan = [(f, _scaled(size, f)) for f in (o["scales"] or [1.0])]
        self._check_sizes(size)

        # Images (read once; produced at each scale's size on demand).
        content_src = _Source("content", content)
        style_srcs = [_Source("style" if len(styles) == 1 else f"style[{i}]", s) for i, s in enumerate(styles)]
        init = o["init"]
        init_src = _Source("init", init) if not (isinstance(init, str) and init in _INITS) else None

        # VGG-19, cut after the deepest layer used.
        from .model import build_extractor

        layers = [o["content_layer"], *[n for n in o["style_layers"] if n != o["content_layer"]]]
        self.extractor = build_extractor(layers, pooling=o["pooling"], weights=o["weights"], precision=self.precision)
        self.weights = self.extractor.weights
        self._extra_extractor: Any = None

        # Targets at every scale, once.
        self._scales: list[_Scale] = []
        for factor, scale_size in self._scale_plan:
            c = content_src.at(scale_size)
            style_size = _scaled(scale_size, o["style_scale"])
            s = [src.at(style_size) for src in style_srcs]
            self._scales.append(_Scale(factor, scale_size, _Objective(self.extractor, c, s, blend, o), c))

        first = self._scales[0]
        if init_src is not None:
            x0 = init_src.at(first.size)
        elif init == "noise":
            from .images import noisy_image

            x0 = noisy_image(first.content, noise_ratio=o["noise_ratio"], seed=o["seed"])
        elif init == "content":
            x0 = first.content
        else:  # "style": the first style image, at the content's size
            x0 = style_srcs[0].at(first.size)
        self._x0 = np.array(x0, dtype=np.float32)

        self._stop_event = threading.Event()
        self._generation = 0
        self._writer = tf.summary.create_file_writer(os.fspath(o["log_dir"])) if o["log_dir"] is not None else None
        self._graph_logged = False
        self.reset()

    # -- set-up helpers ------------------------------------------------------

    def _check_sizes(self, size: tuple[int, int]) -> None:
        from .images import MIN_SIDE

        for factor, scale_size in self._scale_plan:
            if min(scale_size) < MIN_SIDE:
                raise OptionError(
                    f"scales: {factor:g} × {size} is {scale_size}, smaller than {MIN_SIDE} pixels a side; "
                    "use a larger size or a larger smallest scale."
                )
            style_size = _scaled(scale_size, self.options["style_scale"])
            if min(style_size) < MIN_SIDE:
                raise OptionError(
                    f"style_scale = {self.options['style_scale']:g} makes the style image {style_size} at scale "
                    f"{factor:g}, smaller than {MIN_SIDE} pixels a side; use a larger style_scale."
                )
        # Refuse a run that would not fit in memory before any weight is loaded (a killed kernel loses work).
        from .layers import layer_index
        from .memory import check_memory

        o = self.options
        deepest = max([layer_index(o["content_layer"]), *(layer_index(n) for n in o["style_layers"])])
        largest = max((s for _, s in self._scale_plan), key=lambda wh: wh[0] * wh[1])
        check_memory(largest, deepest)

    def _make_optimizer(self, objective: _Objective, x0: np.ndarray) -> _Adam | _Lbfgs:
        kind = _Adam if self.options["optimizer"] == "adam" else _Lbfgs
        return kind(objective, x0, self.options["learning_rate"])

    def reset(self) -> None:
        """Starts over: the initial image, no history, the first scale, a fresh optimiser."""
        self._generation += 1  # ends any steps() generator still open
        self.iteration = 0
        self.history = History(list(self.options["style_layers"]))
        self._scale_index = 0
        self._optimizer = self._make_optimizer(self._scales[0].objective, self._x0)
        self._best: tuple[float, Any] | None = None
        self._last_good: Any = None
        self._elapsed = 0.0
        self._stopped = False
        self._message: str | None = None

    # -- images out ----------------------------------------------------------

    @property
    def scale(self) -> float:
        """The scale the image is at now (1.0 without ``scales``)."""
        return self._scales[self._scale_index].factor

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the image now."""
        return self._scales[self._scale_index].size

    def _rgb(self, x: Any, scale: _Scale) -> np.ndarray:
        from .images import to_rgb

        rgb = to_rgb(np.asarray(x, dtype=np.float32))
        if self.options["preserve_colors"]:
            rgb = _keep_colors(rgb, scale.content_rgb())
        return rgb

    def targets(self) -> dict[str, Any]:
        """The targets the costs compare with, at the current scale (computed once, at set-up).

        Returns:
            ``{"content": content activations (1, n_H, n_W, n_C), "style": {layer: target Gram
            (n_C, n_C)}}`` as float32 arrays.  The style Grams are the blend of the style
            images' Grams, each rescaled to the generated image's number of positions.
        """
        objective = self._scales[self._scale_index].objective
        return {
            "content": objective.content_target.numpy(),
            "style": {name: gram.numpy() for name, gram in objective.style_targets.items()},
        }

    def batch(self) -> np.ndarray:
        """The current image as the preprocessed float32 ``(1, H, W, 3)`` batch the optimiser trains."""
        return np.array(self._optimizer.image, dtype=np.float32)

    def image(self) -> np.ndarray:
        """The current image, RGB uint8 ``(H, W, 3)``; callable at any time, from any thread."""
        return self._rgb(self._optimizer.image, self._scales[self._scale_index])

    def activations(self, layers: Any, x: Any = None) -> dict[str, np.ndarray]:
        """Activations of the current image (or of the batch ``x``) at any VGG-19 layers.

        Args:
            layers: a layer or a list of layers (names or indices).
            x: a preprocessed ``(1, H, W, 3)`` batch; default the current image.

        Returns:
            ``{layer name: float32 array (1, n_H, n_W, n_C)}``.
        """
        from .model import build_extractor

        names = [layer_name(layers)] if isinstance(layers, (str, numbers.Integral)) else [layer_name(n) for n in layers]
        x = self._optimizer.image if x is None else x
        extractor = self.extractor
        if not set(names) <= set(extractor.layers):
            extra = self._extra_extractor
            if extra is None or not set(names) <= set(extra.layers):
                wanted = sorted(set(names) | set(extra.layers if extra is not None else ()))
                o = self.options
                extra = build_extractor(wanted, pooling=o["pooling"], weights=o["weights"], precision=self.precision)
                self._extra_extractor = extra
            extractor = extra
        acts = extractor(tf.convert_to_tensor(np.asarray(x, np.float32)))
        return {name: np.asarray(acts[name], dtype=np.float32) for name in names}

    # -- the loop ------------------------------------------------------------

    def stop(self) -> None:
        """Asks the running loop to stop after the current iteration.

        Thread-safe: call it from another thread, an asyncio task or a widget's
        callback.  The latest image is kept; :meth:`run` returns with ``stopped=True``.
        """
        self._stop_event.set()

    def _plan(self, n: int) -> list[tuple[int, int]]:
        """Splits ``n`` iterations over the scales from the current one on: [(scale index, count)]."""
        remaining = list(range(self._scale_index, len(self._scales)))
        share, extra = divmod(n, len(remaining))
        counts = [share] * len(remaining)
        counts[-1] += extra
        return [(i, c) for i, c in zip(remaining, counts) if c > 0]

    def _enter_scale(self, index: int) -> None:
        """Moves to scale ``index``: the current image, upsampled, starts a fresh optimiser there."""
        if index == self._scale_index:
            return
        from .images import resize_to

        scale = self._scales[index]
        x0 = np.asarray(resize_to(self.batch(), scale.size), np.float32)
        self._scale_index = index
        self._optimizer = self._make_optimizer(scale.objective, x0)
        self._best = None
        self._last_good = None

    def _consider_best(self, total: float, x: Any) -> None:
        if math.isfinite(total) and (self._best is None or total < self._best[0]):
            self._best = (total, x)

    def _non_finite_message(self, what: str, value: float, iteration: int) -> str:
        o = self.options
        if o["optimizer"] == "adam":
            advice = f"try a smaller learning_rate (now {o['learning_rate']:g})"
        else:
            advice = "check the images and the weights, or try optimizer='adam' with a small learning_rate"
        return f"the {what} became {value} at iteration {iteration}; {advice}. The last image with a finite cost is kept."

    def steps(self, iterations: int | None = None, *, every: int = SAVE_EVERY) -> Iterator[Step]:
        """Optimises the image, one iteration per ``next()``, yielding a :class:`Step` each.

        Continues from the current image (call :meth:`reset` to start over).  Ends
        after ``iterations`` iterations, at :meth:`stop`, when the cost or the image
        stops being finite (the last finite image is put back), or when the optimiser
        cannot go further; :attr:`stopped` and :attr:`message` say which.

        Args:
            iterations: how many iterations; default :attr:`iterations`.
            every: with ``log_dir``, write an image snapshot every this many iterations.

        Yields:
            One :class:`Step` per iteration.

        Introduced in ``notebooks/05_style_transfer_live.ipynb``.
        """
        n = self.iterations if iterations is None else iterations
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
            raise OptionError(f"iterations must be an int >= 0, got {iterations!r}.")
        if isinstance(every, bool) or not isinstance(every, (numbers.Integral, np.integer)) or every < 1:
            raise OptionError(f"every must be an int >= 1, got {every!r}.")
        return self._steps(int(n), int(every))

    def _steps(self, n: int, every: int) -> Iterator[Step]:
        self._generation += 1
        generation = self._generation
        self._stop_event.clear()
        self._stopped, self._message = False, None
        end = self.iteration + n
        started = time.perf_counter()
        elapsed_before = self._elapsed
        try:
            for scale_index, count in self._plan(n):
                self._enter_scale(scale_index)
                for _ in range(count):
                    if self._stop_event.is_set() or generation != self._generation:
                        self._stopped = True
                        self._message = f"stopped at iteration {self.iteration} (stop() was called)."
                        return
                    step = self._one_step(end, every, elapsed_before, started)
                    if step is None:
                        return
                    yield step
        finally:
            if generation == self._generation:
                self._elapsed = elapsed_before + time.perf_counter() - started
            if self._writer is not None:
                self._writer.flush()

    def _one_step(self, end: int, every: int, elapsed_before: float, started: float) -> Step | None:
        """Runs one iteration; returns its Step, or None (with :attr:`message` set) if the loop must end."""
        trace = self._writer is not None and not self._graph_logged
        if trace:
            tf.summary.trace_on(graph=True, profiler=False)
        packed, before, after, image_finite, stuck, after_total = self._optimizer.step()
        if trace:
            with self._writer.as_default():
                tf.summary.trace_export(name="train_step", step=0)
            self._graph_logged = True
        k = self.iteration + 1

        total = float(packed[0])
        if not np.all(np.isfinite(packed)):
            bad = next(float(v) for v in packed if not math.isfinite(v))
            if self._last_good is not None:
                self._optimizer.restore(self._last_good)
            self._stopped, self._message = True, self._non_finite_message("cost", bad, k)
            return None
        self._last_good = before
        if not image_finite:
            self._optimizer.restore(before)
            self._stopped, self._message = True, self._non_finite_message("image", float("nan"), k)
            return None
        if stuck is not None:
            self._stopped, self._message = True, f"stopped at iteration {self.iteration}: {stuck}"
            return None

        self.iteration = k
        self._consider_best(total, before)
        if after_total is not None:
            self._consider_best(after_total, after)
        scale = self._scales[self._scale_index]
        names = list(self.options["style_layers"])
        step = Step(
            iteration=k,
            iterations=end,
            total=total,
            content=float(packed[1]),
            style=float(packed[2]),
            style_by_layer={name: float(v) for name, v in zip(names, packed[4:])},
            tv=float(packed[3]),
            elapsed=elapsed_before + time.perf_counter() - started,
            scale=scale.factor,
            size=scale.size,
            _image=lambda: self._rgb(after, scale),
            _activations=lambda layers: self.activations(layers, after),
        )
        self.history.append(step)
        if self._writer is not None:
            self._log(step, every, end)
        return step

    def _log(self, step: Step, every: int, end: int) -> None:
        """Writes one step's TensorBoard summaries."""
        with self._writer.as_default(step=step.iteration):
            tf.summary.scalar("cost/total", step.total)
            tf.summary.scalar("cost/content", step.content)
            tf.summary.scalar("cost/style", step.style)
            for name, value in step.style_by_layer.items():
                tf.summary.scalar(f"cost/style/{name}", value)
            tf.summary.scalar("cost/tv", step.tv)
            if step.iteration % every == 0 or step.iteration == end:
                tf.summary.image("image", step.image()[None])

    @property
    def stopped(self) -> bool:
        """True if the last run ended before its planned last iteration."""
        return self._stopped

    @property
    def message(self) -> str | None:
        """Why the last run stopped early (``None`` if it did not)."""
        return self._message

    def result(self) -> Result:
        """A :class:`Result` of everything so far (what :meth:`run` returns)."""
        scale = self._scales[self._scale_index]
        image = self.image()
        best = self._rgb(self._best[1], scale) if self._best is not None else image
        return Result(
            image=image,
            best_image=best,
            history=self.history.copy(),
            stopped=self._stopped,
            message=self._message,
            precision=self.precision,
            weights=self.weights,
            iterations_done=self.iteration,
        )

    def run(
        self,
        iterations: int | None = None,
        every: int = SAVE_EVERY,
        callback: Callable[[Step], Any] | None = None,
    ) -> Result:
        """Runs :meth:`steps` to the end and returns a :class:`Result`.

        Args:
            iterations: how many iterations; default :attr:`iterations` (500).
            every: call ``callback`` every this many iterations (and at the last one);
                with ``log_dir``, also the interval of image snapshots.
            callback: ``callback(step)``, e.g. to print the costs or show the image.

        Returns:
            The :class:`Result`.  Ctrl-C (KeyboardInterrupt) — in the loop or in the
            callback — does not lose the work: the Result so far comes back with
            ``stopped=True``.

        Introduced in ``notebooks/05_style_transfer_live.ipynb``.
        """
        if callback is not None and not callable(callback):
            raise OptionError(f"callback must be a function of one Step, got {type(callback).__name__}.")
        generator = self.steps(iterations, every=every)
        last, reported = None, False
        try:
            for step in generator:
                last, reported = step, False
                if callback is not None and (step.iteration % every == 0 or step.iteration == step.iterations):
                    callback(step)
                    reported = True
            if callback is not None and last is not None and not reported:  # ended early: show the final state
                callback(last)
        except KeyboardInterrupt:
            self._stopped = True
            self._message = f"interrupted (KeyboardInterrupt) at iteration {self.iteration}; the image so far is kept."
        finally:
            generator.close()
        return self.result()

    def __repr__(self) -> str:
        o = self.options
        return (
            f"StyleTransfer(size={self.size}, optimizer={o['optimizer']!r}, learning_rate={o['learning_rate']:g}, "
            f"precision={self.precision!r}, iteration={self.iteration})"
        )
