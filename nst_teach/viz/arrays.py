"""What a student passes to a figure, as the NumPy arrays the figures draw.

A figure accepts what a notebook has at hand: NumPy arrays, TensorFlow tensors and variables, a
picture as ``uint8`` RGB or as the network's preprocessed float batch, activations with or without
their batch axis or as an extractor's dict ``{layer name: activations}``, a cost history as a dict of
lists, a list of records or a run's history.  The functions here turn each into one plain array (or
series), and refuse what cannot be drawn with an error that names the argument and the fix; every
figure of :mod:`nst_teach.viz` (one-shot, live, the layer grid) reads its inputs through them.

A Gram matrix is :func:`nst_teach.costs.gram_matrix`'s, the formula notebook 04 teaches: a figure
never computes it another way.

>>> import numpy as np
>>> activation(np.ones((1, 2, 2, 3)), "a").shape
(2, 2, 3)
>>> float(gram(np.ones((1, 2, 2, 3), np.float32), "a")[0, 0])  # 4 positions, 1·1 each
4.0

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from .. import layers as vgg
from ..errors import ImageError, OptionError
from .pieces import COST_LABELS, Series

__all__ = [
    "as_array",
    "rgb",
    "activation",
    "pick",
    "describe_layer",
    "layer_title",
    "image_items",
    "choose_channels",
    "gram",
    "gram_title",
    "check_channels",
    "cost_series",
]


def as_array(x: Any, name: str) -> np.ndarray:
    """``x`` (NumPy array, TensorFlow tensor or variable, nested list) as a NumPy array."""
    if hasattr(x, "numpy") and callable(x.numpy):
        x = x.numpy()
    try:
        return np.asarray(x)
    except Exception as exc:  # noqa: BLE001 - any failure means "not an array"
        raise OptionError(f"{name} must be an array or tensor, got {type(x).__name__}: {exc}") from None


def rgb(image: Any, name: str) -> np.ndarray:
    """An image to show, as ``uint8`` RGB ``(H, W, 3)``.

    ``uint8`` arrays are pictures already (RGB, RGBA or grayscale); anything else is
    taken to be the network's preprocessed float image and goes through ``to_rgb``.
    """
    arr = as_array(image, name)
    if arr.dtype == np.uint8:
        if arr.ndim == 2:
            return np.repeat(arr[:, :, None], 3, axis=2)
        if arr.ndim == 3 and arr.shape[2] in (3, 4):
            return arr[:, :, :3]
        if arr.ndim == 4 and arr.shape[0] == 1 and arr.shape[3] == 3:
            return arr[0]
        raise ImageError(
            f"{name} is a uint8 array of shape {arr.shape}; a picture must be RGB (H, W, 3), "
            "RGBA (H, W, 4) or grayscale (H, W)."
        )
    from ..images import to_rgb  # imported here, to delay a heavy library: images.py pulls in OpenCV

    return to_rgb(arr)


def activation(a: Any, name: str) -> np.ndarray:
    """Activations as a float32 ``(n_H, n_W, n_C)`` array (a leading batch axis of 1 removed)."""
    arr = as_array(a, name)
    if arr.ndim == 4:
        if arr.shape[0] != 1:
            raise OptionError(
                f"{name} holds a batch of {arr.shape[0]} images (shape {arr.shape}); "
                "pass the activations of one image, shape (1, n_H, n_W, n_C)."
            )
        arr = arr[0]
    if arr.ndim != 3:
        raise OptionError(
            f"{name} must be activations of shape (1, n_H, n_W, n_C) or (n_H, n_W, n_C), got shape {arr.shape}."
        )
    try:
        return arr.astype(np.float32, copy=False)
    except (TypeError, ValueError):
        raise OptionError(f"{name} must hold numbers, got dtype {arr.dtype}.") from None


def pick(activations: Any, layer: Any, name: str) -> Any:
    """The activations of ``layer`` when given the extractor's dict ``{name: activations}``."""
    if not isinstance(activations, Mapping):
        return activations
    keys = list(activations)
    if layer is None:
        if len(keys) == 1:
            return activations[keys[0]]
        raise OptionError(
            f"{name} is a dict of {len(keys)} layers {keys}; say which one to draw with layer=..., "
            f"e.g. layer={keys[0]!r}."
            if keys
            else f"{name} is an empty dict; pass activations."
        )
    if layer in activations:
        return activations[layer]
    full_name, _ = describe_layer(layer)
    if full_name in activations:
        return activations[full_name]
    raise OptionError(f"{name} has no activations for layer {layer!r}; it has {keys}.")


def describe_layer(layer: Any) -> tuple[str | None, Any]:
    """``(name, Layer record or None)`` for a VGG-19 layer name/index, or any other name."""
    if layer is None:
        return None, None
    if hasattr(layer, "receptive_field") and hasattr(layer, "name"):
        return str(layer.name), layer
    try:
        index = vgg.layer_index(layer)
    except ValueError:
        if isinstance(layer, str):
            return layer, None  # a layer of some other network: draw it, without VGG facts
        raise
    record = vgg.VGG19_LAYERS[index]
    return record.name, record


def layer_title(layer: Any, shape: tuple[int, ...]) -> str:
    """``"block3_conv1 — 75×100×256, receptive field 24 px"`` (what is known of it)."""
    name, record = describe_layer(layer)
    dims = "×".join(str(d) for d in shape)
    if name is None:
        return dims
    if record is None:
        return f"{name} — {dims}"
    return f"{name} — {dims}, receptive field {record.receptive_field} px"


def image_items(images: Any, titles: Sequence[str] | None) -> list[tuple[str, np.ndarray]]:
    """``[(title, uint8 RGB)]`` from a dict, a list or a single image."""
    if isinstance(images, Mapping):
        pairs = [(str(t), img) for t, img in images.items()]
    else:
        imgs = list(images) if isinstance(images, (list, tuple)) else [images]
        names = [""] * len(imgs) if titles is None else [str(t) for t in titles]
        if len(names) != len(imgs):
            raise OptionError(f"titles has {len(names)} entries for {len(imgs)} images; give one title per image.")
        pairs = list(zip(names, imgs))
    if not pairs:
        raise OptionError("images is empty; pass at least one image (a dict {title: image} or a list).")
    return [(t, rgb(img, f"images[{t or i}]")) for i, (t, img) in enumerate(pairs)]


def choose_channels(act: np.ndarray, top_k: Any, channels: Iterable[Any] | None) -> list[int]:
    """The channels to draw: ``channels`` as given, else the ``top_k`` largest means first."""
    n_c = act.shape[-1]
    if channels is not None:
        try:
            chosen = [operator.index(c) for c in channels]
        except TypeError:
            raise OptionError(f"channels must be a list of channel indices (ints), got {channels!r}.") from None
        bad = [c for c in chosen if not 0 <= c < n_c]
        if bad or not chosen:
            raise OptionError(
                f"channels={list(channels)!r} is not a non-empty list of channel indices: "
                f"this layer has channels 0..{n_c - 1}."
            )
        return chosen
    try:
        k = operator.index(top_k)
    except TypeError:
        k = 0
    if isinstance(top_k, bool) or k < 1:
        raise OptionError(f"top_k must be a whole number >= 1 (how many channels to show), got {top_k!r}.")
    means = act.mean(axis=(0, 1))
    order = np.argsort(-means, kind="stable")  # most active first; ties keep channel order
    return [int(c) for c in order[:k]]


def gram(a: Any, name: str) -> np.ndarray:
    """The Gram matrix ``A Aᵀ`` of one layer's activations, computed by :func:`nst_teach.costs.gram_matrix`."""
    from ..costs import gram_matrix  # imported here, to delay a heavy library: costs.py loads TensorFlow

    return np.asarray(gram_matrix(activation(a, name)))


def gram_title(layer: Any, n_c: int) -> str:
    """``"Gram matrices of block1_conv1 (64×64)"`` (without a layer, only the size)."""
    name, _ = describe_layer(layer)
    return f"Gram matrices of {name} ({n_c}×{n_c})" if name else f"Gram matrices ({n_c}×{n_c})"


def check_channels(g_s: np.ndarray, g_g: np.ndarray) -> None:
    """Refuses a style and a generated Gram matrix of different sizes (activations of two layers)."""
    if g_s.shape != g_g.shape:
        raise OptionError(
            f"a_style has {g_s.shape[0]} channels but a_generated has {g_g.shape[0]}; take both from the same layer."
        )


def _field(record: Any, key: str) -> Any:
    """``record[key]`` of a dict, ``record.key`` of anything else (None if it has none)."""
    return record.get(key) if isinstance(record, Mapping) else getattr(record, key, None)


def cost_series(history: Any) -> tuple[dict[str, Series], dict[str, Series]]:
    """``({"total": (xs, ys), ...}, {layer: (xs, ys)})`` from any of the accepted history forms."""
    if not isinstance(history, (Mapping, list, tuple)) and hasattr(history, "history"):
        history = history.history  # e.g. a run's result that carries its history
    main: dict[str, Series] = {}
    per_layer: dict[str, Series] = {}

    def add(series: Series, x: Any, y: Any) -> None:
        if y is None:
            return
        try:
            series[0].append(float(x))
            series[1].append(float(y))
        except (TypeError, ValueError):
            raise OptionError(
                f"history holds {y!r} at iteration {x!r}; costs and iterations must be numbers."
            ) from None

    if isinstance(history, (list, tuple)):  # one record per logged step
        for i, record in enumerate(history):
            x = _field(record, "iteration")
            x = i if x is None else x
            for key in COST_LABELS:
                add(main.setdefault(key, ([], [])), x, _field(record, key))
            for name, value in dict(_field(record, "style_by_layer") or {}).items():
                add(per_layer.setdefault(str(name), ([], [])), x, value)
        return {k: v for k, v in main.items() if v[0]}, per_layer

    # Columns: a dict of lists, or an object whose attributes are lists.
    keys = (*COST_LABELS, "iteration", "style_by_layer")
    columns = history if isinstance(history, Mapping) else {k: _field(history, k) for k in keys}
    present = [k for k in (*COST_LABELS, "style_by_layer") if columns.get(k) is not None]
    if not present:
        raise OptionError(
            f"history has none of the keys {list(COST_LABELS) + ['style_by_layer']}; pass a dict of lists, "
            f"a list of dicts or a run's history (got {type(history).__name__})."
        )
    iterations = columns.get("iteration")

    def xs_for(values: Sequence[Any], what: str) -> list[Any]:
        if iterations is None:
            return list(range(len(values)))
        its = list(iterations)
        if len(its) != len(values):
            raise OptionError(
                f"history[{what!r}] has {len(values)} values but history['iteration'] has {len(its)}; "
                "give one value per logged iteration."
            )
        return its

    for key in COST_LABELS:
        if columns.get(key) is not None:
            values = list(columns[key])
            series: Series = ([], [])
            for x, y in zip(xs_for(values, key), values):
                add(series, x, y)
            main[key] = series
    by_layer = columns.get("style_by_layer")
    if isinstance(by_layer, Mapping):  # {layer: [values]}
        for name, values in by_layer.items():
            values = list(values)
            series = per_layer.setdefault(str(name), ([], []))
            for x, y in zip(xs_for(values, f"style_by_layer[{name}]"), values):
                add(series, x, y)
    elif by_layer is not None:  # [{layer: value}] per iteration
        rows = list(by_layer)
        for x, row in zip(xs_for(rows, "style_by_layer"), rows):
            for name, value in dict(row or {}).items():
                add(per_layer.setdefault(str(name), ([], [])), x, value)
    return main, per_layer
