"""The check of notebook 02's exercise: VGG-19 as a feature extractor, with average pools.

The student's ``build_extractor(vgg, layers)`` takes Keras' VGG-19 (``include_top=False``) and returns a
``keras.Model`` from an image to ``{layer name: activations}``, each max pool replaced by an average pool
(2×2, stride 2, "same" padding, as the reference recipe's ``tf.nn.avg_pool``).  The check gives it a
VGG-19 with seeded random filters and compares its model with :func:`nst_teach.model.build_extractor`'s on
small images of odd sides (where "same" and "valid" padding give other sizes).  When the activations differ,
it looks for the model they come from: VGG-19 with its max pools (left in, or swapped after the outputs were
read), average pools with "valid" padding, or the right model read at another layer (an off-by-one).

Introduced in ``notebooks/02_vgg19.ipynb``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..defaults import CONTENT_LAYER, STYLE_LAYERS
from ..layers import INPUT_NAME, VGG19_LAYERS, layer_index
from ..model import Extractor
from ..model import build_extractor as package_extractor
from .feedback import CheckResult, _call, _Fail, _run, _shape, error_text
from .hints import _Code

__all__ = ["check_build_extractor"]

_EXERCISE = "build_extractor"

_EXTRACTOR_FORMULA = (
    "x = an input of any size; for each layer of vgg.layers after the input: x = an average pool (2×2, stride 2, "
    'padding "same") where vgg has a max pool, else x = layer(x), and keep x under layer.name; then '
    "keras.Model(the input, {name: the x kept under name, for each name in layers})"
)
_INPUT_CODE = _Code("extractor_input", "inputs = keras.Input(shape=(____, ____, 3))")
_POOL_CODE = _Code(
    "extractor_pool",
    "if isinstance(layer, keras.layers.____): x = keras.layers.AveragePooling2D(____, strides=____, padding=____)(x)",
)
_LOOP_CODE = _Code("extractor_loop", "for layer in vgg.layers[____]: x = (an average pool, or layer(____)); ____ = x")
_MODEL_CODE = _Code("extractor_model", "return keras.Model(____, {name: ____ for name in layers})")

#: The seed of the random filters the check's VGG-19 gets.
_SEED = 11


@dataclass(frozen=True)
class _Case:
    """One call of the student's function: the layers asked for, and the image its model is given."""

    layers: tuple[str, ...]
    height: int
    width: int

    @property
    def image(self) -> np.ndarray:
        rng = np.random.default_rng(self.height * 100 + self.width)
        return rng.normal(0.0, 60.0, (1, self.height, self.width, 3)).astype(np.float32)  # as preprocess makes


#: The course's layers first, then others (a pool among them) on another image; every side odd, and at least 32
#: pixels (block5_pool's scale: ``nst.build_extractor`` refuses smaller images).
_CASES: tuple[_Case, ...] = (
    _Case((*STYLE_LAYERS, CONTENT_LAYER), 35, 43),
    _Case(("block5_conv2", "block2_conv2", "block3_pool"), 37, 33),
)

#: Every layer, the input too: where the student's activations may come from.
_ALL = tuple(layer.name for layer in VGG19_LAYERS)


@dataclass(frozen=True)
class _Networks:
    """The check's VGG-19s, with the same random filters: the right one and the two with the pools' mistakes."""

    right: Extractor  #: nst.build_extractor: average pools, "same" padding
    max_pools: Extractor  #: nst.build_extractor(pooling="max"): Keras' VGG-19, max pools, "valid" padding
    valid: Any  #: a keras.Model: average pools with "valid" padding
    weights: tuple[np.ndarray, ...]  #: the filters, in the order of keras.applications.VGG19's get_weights()


@functools.lru_cache(maxsize=1)
def _networks() -> _Networks:
    import keras  # noqa: PLC0415 - Keras loads on first use, not when the checks are imported

    right = package_extractor(_ALL, weights="random", seed=_SEED, precision="float32")
    max_pools = package_extractor(_ALL, pooling="max", weights="random", seed=_SEED, precision="float32")
    image = keras.Input(shape=(None, None, 3))
    x, outputs = image, {INPUT_NAME: image}
    for layer in VGG19_LAYERS[1:]:
        pool = keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="valid")
        x = pool(x) if layer.kind == "pool" else right.model.get_layer(layer.name)(x)
        outputs[layer.name] = x
    valid = keras.Model(image, outputs)
    return _Networks(right, max_pools, valid, tuple(right.model.get_weights()))


@functools.lru_cache(maxsize=len(_CASES))
def _references(case: _Case) -> dict[str, dict[str, np.ndarray]]:
    """Every layer's activations for the case's image: ``{"same" | "max" | "valid": {name: array}}``."""
    nets, image = _networks(), case.image
    found = {"same": nets.right(image), "max": nets.max_pools(image), "valid": nets.valid(image, training=False)}
    return {variant: {name: np.asarray(out[name]) for name in _ALL} for variant, out in found.items()}


def _keras_vgg19(weights: tuple[np.ndarray, ...]) -> Any:
    """A fresh ``keras.applications.VGG19(include_top=False)`` with the check's filters: the student's ``vgg``."""
    import keras  # noqa: PLC0415 - Keras loads on first use, not when the checks are imported

    vgg = keras.applications.VGG19(include_top=False, weights=None)
    vgg.set_weights(list(weights))
    return vgg


def _same(got: np.ndarray, expected: np.ndarray) -> bool:
    """The same activations up to 1% of the layer's largest: TF32 convolutions on a GPU round to about 0.1% per
    layer; the mistakes the check names change shapes, or values by far more."""
    if got.shape != expected.shape or not np.all(np.isfinite(got)):
        return False
    return float(np.max(np.abs(got - expected), initial=0.0)) <= 1e-2 * max(1.0, float(np.max(np.abs(expected))))


def _source_of(got: np.ndarray, references: Mapping[str, Mapping[str, np.ndarray]]) -> tuple[str, str] | None:
    """``(variant, layer)`` whose activations ``got`` is, the right network's first; None if none."""
    for variant in ("same", "valid", "max"):
        for name, expected in references[variant].items():
            if _same(got, expected):
                return variant, name
    return None


def _side(side: int) -> str:
    return f"{side} → {-(-side // 2)} (rounded up), not {side // 2}"


# --------------------------------------------------------------------------------------------
# What the student's function returns, and what its model returns
# --------------------------------------------------------------------------------------------


def _a_model(result: Any) -> Any:
    import keras  # noqa: PLC0415 - Keras loads on first use, not when the checks are imported

    if isinstance(result, keras.Model):
        return result
    if result is None:
        raise _Fail("Your build_extractor returned None — did you forget the `return` statement?", "returned_none")
    values = list(result.values()) if isinstance(result, Mapping) else result if isinstance(result, list) else []
    if values and all(isinstance(v, keras.KerasTensor) for v in values):
        raise _Fail(
            f"Your build_extractor returned the outputs themselves (a {type(result).__name__} of Keras tensors), not a "
            "model: nothing can be run on an image yet. Make a model from them, keras.Model(your input, the dict "
            "{layer name: output}), and return it.",
            "not_model",
            formula=_EXTRACTOR_FORMULA,
            code=_MODEL_CODE,
        )
    raise _Fail(
        f"Your build_extractor returned a {type(result).__name__}, not a Keras model: build one with "
        "keras.Model(inputs, outputs) and return it.",
        "not_model",
        formula=_EXTRACTOR_FORMULA,
        code=_MODEL_CODE,
    )


def _outputs(model: Any, case: _Case) -> dict[Any, np.ndarray]:
    """The model's activations for the case's image, or a _Fail saying why there are none."""
    inputs = getattr(model, "inputs", None) or []
    fixed = tuple(inputs[0].shape) if len(inputs) == 1 else ()
    if fixed and any(side is not None for side in fixed[1:3]):
        raise _Fail(
            f"Your model's input has a fixed size, {fixed}: it could read only images of that size, and the course "
            "uses many sizes. Give keras.Input the shape (None, None, 3), any height and width (or start from "
            "vgg.input, which is so).",
            "fixed_input_size",
            formula=_EXTRACTOR_FORMULA,
            code=_INPUT_CODE,
        )
    image = case.image
    try:
        out = model(image, training=False)
    except Exception as exc:
        raise _Fail(
            f"Your model raised {type(exc).__name__} on a batch of one image of shape {image.shape}: "
            f"{error_text(exc)}\nHint: the model takes a batch (1, height, width, 3) of any height and width; "
            "build it with a Keras input of shape (None, None, 3) and VGG-19's own layers.",
            "model_raised",
        ) from None
    if isinstance(out, Mapping):
        return {name: np.asarray(value) for name, value in out.items()}
    if isinstance(out, (list, tuple)):
        what = f"a {type(out).__name__} of {len(out)} tensors"
    else:
        what = f"one tensor of shape {_shape(out)}"
    raise _Fail(
        f"Your model returns {what}, not a dict: give keras.Model its outputs as a dict {{layer name: output}}, one "
        "entry per name in layers, so that extractor(image)['block4_conv2'] reads a layer by its name, as "
        "nst.build_extractor's does.",
        "outputs_not_dict",
        formula=_EXTRACTOR_FORMULA,
        code=_MODEL_CODE,
    )


def _check_names(got: Mapping[Any, np.ndarray], case: _Case) -> None:
    asked, yours = list(case.layers), list(got)
    if set(yours) == set(asked):
        return
    course = [*STYLE_LAYERS, CONTENT_LAYER]
    said = f"layers={asked}, and your model returns {yours}"
    if set(yours) == set(course):
        raise _Fail(
            f"The check asked for {said}: the course's layers, not the ones asked for. Read the names from the "
            "argument layers, not from nst.STYLE_LAYERS or nst.CONTENT_LAYER: the same function serves any layers.",
            "ignores_layers",
            formula=_EXTRACTOR_FORMULA,
            code=_MODEL_CODE,
        )
    missing = [name for name in asked if name not in got]
    if missing:
        raise _Fail(
            f"The check asked for {said}: {', '.join(map(repr, missing))} missing. The dict of outputs needs one "
            "entry for each name in layers, keyed by that name.",
            "missing_layers",
            formula=_EXTRACTOR_FORMULA,
            code=_MODEL_CODE,
        )
    extra = [name for name in yours if name not in asked]
    raise _Fail(
        f"The check asked for {said}: {', '.join(map(repr, extra))} not asked for. Return only the layers asked "
        "for: a Keras model computes what its outputs need and nothing more, so a model of shallow layers only "
        "never runs the deep ones — what nst.build_extractor's 'cut after the deepest layer' means.",
        "extra_layers",
        formula=_EXTRACTOR_FORMULA,
        code=_MODEL_CODE,
    )


# --------------------------------------------------------------------------------------------
# Which model the student's activations come from
# --------------------------------------------------------------------------------------------

_SWAPPED = (
    "Your outputs come from the vgg you were given, with its max pools: you read the layers' outputs "
    "(vgg.get_layer(name).output) and put average pools in after that. Those outputs were computed through the "
    "max pools already; new pools, or a changed vgg.layers list, do not change a path that is built. Build the "
    "new path first — start from an input, call each layer of vgg.layers on it in turn, an average pool where vgg "
    "has a max pool — and keep each layer's output of that new path as you go: those are the model's outputs."
)


_NEW_CONVOLUTIONS = (
    "Your model's convolutions are not the layers of the vgg it was given, so they do not have its filters: call "
    "vgg's own layers on your path (layer(x) for each layer of vgg.layers), rather than making new Conv2D layers."
)
_UNKNOWN = (
    "This is not one of the typical mistakes the checker knows: compare your steps with the notebook's, and print "
    "x.shape after each layer to see where your path leaves VGG-19's."
)


@dataclass(frozen=True)
class _Given:
    """What the student's function was given: the VGG-19's layers, and the ids of their outputs (its own path)."""

    layers: tuple[Any, ...]
    outputs: frozenset[int]

    @classmethod
    def of(cls, vgg: Any) -> _Given:
        return cls(tuple(vgg.layers), frozenset(id(layer.output) for layer in vgg.layers))


def _names_an_average_pool(fn: Callable) -> bool:
    """Whether the student's code mentions an average pool (``AveragePooling2D``, ``avg_pool``...)."""
    code = getattr(getattr(fn, "python_function", fn), "__code__", None)
    words: list[str] = []
    todo = [code] if code is not None else []
    while todo:
        code = todo.pop()
        words.extend(code.co_names)
        words.extend(c for c in code.co_consts if isinstance(c, str))
        todo.extend(c for c in code.co_consts if hasattr(c, "co_names"))
    return any("avg" in word.lower() or "average" in word.lower() for word in words)


def _pool_mistake(variant: str, fn: Callable, model: Any, given: _Given, case: _Case) -> tuple[str, str]:
    if variant == "valid":
        return (
            f'Your average pools have "valid" padding, Keras\' default: on an odd side they drop the last row or '
            f'column. The reference recipe\'s pools are tf.nn.avg_pool(..., padding="SAME"): the last row is kept '
            f"and averaged on its own, so an odd side is rounded up — here {_side(case.height)} at the first pool. "
            'Give your average pools padding "same".',
            "valid_padding",
        )
    on_given_path = any(id(tensor) in given.outputs for tensor in getattr(model, "outputs", None) or [])
    swaps = _names_an_average_pool(fn)
    if on_given_path and swaps:
        return _SWAPPED, "swapped_after_reading"
    if on_given_path:
        note = (
            " You read the outputs of the vgg you were given (vgg.get_layer(name).output): its path goes through its "
            "max pools. Build a new path instead: start from an input and call each layer of vgg.layers on it in turn."
        )
    elif swaps:
        note = (
            " Your code does make average pools, but none is on the path from the input to your outputs: check the "
            "condition that finds the pools (isinstance(layer, keras.layers.MaxPooling2D), or 'pool' in layer.name)."
        )
    else:
        note = ""
    return (
        "Your model still has VGG-19's max pools: its activations are those of Keras' VGG-19 as it is (each 2×2 "
        "window keeps its largest value, and an odd side is rounded down). Where vgg has a max pool "
        '(block1_pool … block5_pool), put an average pool on the path instead (2×2, stride 2, padding "same"), '
        f"and call every other layer itself.{note}",
        "max_pools",
    )


def _layer_mistake(found: Mapping[str, str]) -> str:
    """What reading ``found[name]`` in ``name``'s place means."""
    steps = {name: layer_index(theirs) - layer_index(name) for name, theirs in found.items()}
    read = ", ".join(f"{theirs} for {name}" for name, theirs in found.items())
    if set(steps.values()) == {-1}:
        return (
            f"Your model returns the activations of the layer just before the one asked for ({read}): you keep each "
            "layer's input, not its output. Keep x after the layer has been applied to it."
        )
    if set(steps.values()) == {1}:
        return (
            f"Your model returns the activations of the layer just after the one asked for ({read}): you keep each "
            "output one layer late. Keep x right after the layer of that name has been applied."
        )
    return (
        f"Your model returns the activations of other layers ({read}). Keep each output under the name of the layer "
        "that made it (layer.name, as you go), not by a position you count: vgg.layers[0] is the input, so "
        "block1_conv1 is vgg.layers[1] (nst.layer_table() lists the indices)."
    )


def _check_values(fn: Callable, model: Any, got: Mapping[str, np.ndarray], given: _Given, case: _Case) -> None:
    import keras  # noqa: PLC0415 - Keras loads on first use, not when the checks are imported

    references = _references(case)
    right = references["same"]
    wrong = [name for name in case.layers if not _same(got[name], right[name])]
    if not wrong:
        return
    head = (
        f"For layers={list(case.layers)} and an image of {case.height}×{case.width} pixels, your model's activations "
        f"differ from nst.build_extractor's at {', '.join(wrong)}."
    )
    sources = {name: _source_of(got[name], references) for name in wrong}
    if any(source is None for source in sources.values()):
        rows = []
        for name in wrong:
            mine, expected = got[name], right[name]
            if mine.shape != expected.shape:
                rows.append(f"  {name}: expected shape {expected.shape}, got {mine.shape}")
            else:
                largest = float(np.max(np.abs(mine - expected)))
                rows.append(f"  {name}: the shape {mine.shape} is right, but the values differ by up to {largest:.3g}")
        convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        if convolutions and not any(layer is theirs for layer in convolutions for theirs in given.layers):
            raise _Fail("\n".join([head, *rows, _NEW_CONVOLUTIONS]), "new_convolutions", formula=_EXTRACTOR_FORMULA)
        raise _Fail("\n".join([head, *rows, _UNKNOWN]), None, formula=_EXTRACTOR_FORMULA)
    lines, keys, codes = [head, "What went wrong:"], [], []
    for variant in dict.fromkeys(variant for variant, _ in sources.values() if variant != "same"):
        text, key = _pool_mistake(variant, fn, model, given, case)
        lines.append(f"- {text}")
        keys.append(key)
        codes.append(_LOOP_CODE if key == "swapped_after_reading" else _POOL_CODE)
    moved = {name: layer for name, (_, layer) in sources.items() if layer != name}
    if moved:
        lines.append(f"- {_layer_mistake(moved)}")
        keys.append("wrong_layer")
        codes.append(_LOOP_CODE)
    raise _Fail("\n".join(lines), "+".join(keys), formula=_EXTRACTOR_FORMULA, code=tuple(dict.fromkeys(codes)))


# --------------------------------------------------------------------------------------------
# The check
# --------------------------------------------------------------------------------------------

_SUCCESS = (
    "Well done — build_extractor is right: the layers asked for, by name, with nst.build_extractor's shapes and "
    'values — average pools with padding "same" (an odd side rounded up) in place of VGG-19\'s max pools — on '
    "images of any size.\n"
    "What it means: this is what nst.build_extractor does (it also loads the filters): Keras' VGG-19 read layer by "
    "layer, each max pool swapped for an average pool, and a model whose outputs are the layers asked for, so that "
    "nothing deeper than the deepest of them is ever computed."
)


def _check_build_extractor_steps(fn: Callable) -> str:
    nets = _networks()
    vgg = _keras_vgg19(nets.weights)
    given = _Given.of(vgg)
    for case in _CASES:
        layers = list(case.layers)
        try:
            result = _call(fn, (vgg, layers), _EXERCISE, f"on Keras' VGG-19 with layers={layers}")
        except _Fail as fail:
            if fail.mistake == "raised" and "not connected" in fail.message:
                said = "\n".join(line for line in fail.message.splitlines() if not line.startswith("Hint:"))
                raise _Fail(
                    f"{said}\nKeras says your outputs are not on the path from your model's input. {_SWAPPED}",
                    "swapped_after_reading",
                    formula=_EXTRACTOR_FORMULA,
                    code=_LOOP_CODE,
                ) from None
            raise
        model = _a_model(result)
        got = _outputs(model, case)
        _check_names(got, case)
        _check_values(fn, model, got, given, case)
    return _SUCCESS


def check_build_extractor(build_extractor: Callable[[Any, list[str]], Any]) -> CheckResult:
    """Checks a student's ``build_extractor(vgg, layers)`` against :func:`nst_teach.model.build_extractor`.

    ``vgg`` is ``keras.applications.VGG19(include_top=False)``; the function must return a ``keras.Model``
    from a batch of images of any size to ``{name: activations}`` for each name in ``layers``, VGG-19's max
    pools replaced by average pools (2×2, stride 2, "same" padding).  The check gives it a VGG-19 with seeded
    random filters and compares its model's outputs (names, shapes, values) with the package's on images of
    odd sides.  Typical mistakes recognised: the max pools left in, the pools swapped after the outputs were
    read (the outputs are still on the max pools' path), "valid" padding (an odd side rounded down), a layer's
    neighbour read in its place (an off-by-one), layers missing, not asked for or the course's instead of the
    argument's, a list instead of a dict, a fixed input size, new convolutions without VGG-19's filters.

    Args:
        build_extractor: the student's function (not called: pass the name).

    Returns:
        A :class:`CheckResult`; never raises because of the student's code.

    Introduced in ``notebooks/02_vgg19.ipynb``.
    """
    # nst.build_extractor and the extractor it returns would hand in the package's model
    also = (Extractor.__init__, Extractor.__call__)
    return _run(_EXERCISE, build_extractor, _check_build_extractor_steps, package_extractor, also)
