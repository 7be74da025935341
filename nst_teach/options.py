"""Every option of a style-transfer run, defined once: the table :data:`TABLE`.

One :class:`Option` record per option says its name, its default, what sort of value it takes
(its ``kind``, with the allowed choices or range), the reference recipe's value, a help text, how the command
line spells it, and whether the dashboard shows it as a control (and if not, why).  Everything
else is derived from this table:

* the engine's checks: :func:`resolve_options`, which :class:`~nst_teach.engine.StyleTransfer`
  calls before it reads any image or weight;
* the command line's flags: ``nst-teach stylize --help`` (:mod:`nst_teach.cli` adds one flag per row);
* the dashboard's controls: the rows with ``control=True`` (the others say why not).

The course's own functions are options too (kind ``"function"``, :data:`FUNCTIONS`): ``content_cost=``,
``gram_matrix=``, ``layer_style_cost=``, ``style_cost=``, ``total_cost=`` and ``train_step=`` make the run
use the student's functions (:mod:`nst_teach.student_functions` says how they are combined and checked).
A function is neither a control nor a command-line flag (their rows say why: ``no_control``, ``no_flag``).
Their rows are made from the exercise table (:data:`nst_teach.exercises.EXERCISES`), and the optimizer's
choices and learning rates come from the optimizer registry (:data:`nst_teach.optimizers.OPTIMIZERS`).

Adding an option is one :class:`Option` row here, plus its use in the engine.

>>> settings = resolve_options({"beta": 100, "optimizer": "adam", "precision": "float32"})
>>> settings["beta"], settings["learning_rate"], settings["content_layer"]
(100.0, 2.0, 'block4_conv2')
>>> resolve_options({"bta": 1})
Traceback (most recent call last):
    ...
nst_teach.errors.OptionError: StyleTransfer() got an unexpected option 'bta'. Did you mean 'beta'? ...
>>> resolve_options({"optimizer": "L-BFGS"}, partial=True)
{'optimizer': 'lbfgs'}

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

import copy
import importlib.util
import os
import sys
import textwrap
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .convergence import WINDOW
from .defaults import ALPHA, BETA, CONTENT_LAYER, IMG_SIZE, ITERATIONS, LEARNING_RATE, NOISE_RATIO, SEED, STYLE_LAYERS
from .errors import LayerError, OptionError, option_label
from .exercises import EXERCISES, Exercise
from .layers import POOLINGS, layer_name
from .optimizers import ALIASES, LEARNING_RATES, OPTIMIZERS, TOLERANCES
from .precision import DEFAULT_PRECISION, PRECISIONS, resolve_precision
from .validate import check_choice, check_int, check_number, check_size, did_you_mean, format_size

__all__ = [
    "Option",
    "TABLE",
    "DEFAULTS",
    "REFERENCE_PRESET",
    "REFERENCE_WORDS",
    "INIT_KEYWORDS",
    "defaults",
    "resolve_options",
    "check_option",
    "blend_weights",
    "check_image",
    "option_docs",
    "FUNCTIONS",
]

#: The sort of value an option takes; each kind has one check (see :func:`check_option`).
Kind = Literal[
    "number",  # a finite float >= 0 (> 0 with positive=True, <= at_most if given)
    "count",  # a whole number >= minimum
    "choice",  # one of choices (case-insensitive, or one of aliases)
    "switch",  # True or False
    "layer",  # a VGG-19 layer, by name or index
    "layer_weights",  # {layer: coefficient λ}, or a list of layers (equal λ)
    "size",  # (width, height) in pixels, each >= 32
    "blend",  # one weight per style image, >= 0, not all 0
    "scales",  # increasing fractions of size, e.g. [0.5, 1.0]
    "start",  # a keyword of choices, or an image
    "weights_source",  # a keyword of choices, or a weights file
    "folder",  # a folder path
    "function",  # a function of the course (the student's), or None for the package's own
]


class _Unset:
    """The marker of "no value here" (``None`` is a value some options take)."""

    def __repr__(self) -> str:
        return "UNSET"


#: The reference recipe's settings in words (the preset's help, and :attr:`StyleTransfer.recipe` of its runs).
REFERENCE_WORDS = "Adam, learning rate 2, float32, all 500 iterations from noise, unbounded"

#: In :attr:`Option.reference`: the reference recipe does not set this option (its default stays).
UNSET: Any = _Unset()

#: The starting images ``init`` names by keyword (anything else must be an image).
INIT_KEYWORDS: tuple[str, ...] = ("noise", "content", "style")


@dataclass(frozen=True)
class Option:
    """One row of :data:`TABLE`: everything nst-teach knows about one option.

    Attributes:
        name: the keyword of :class:`~nst_teach.engine.StyleTransfer` (``"tv_weight"``).
        kind: the sort of value (:data:`Kind`); it picks the check and the command line's conversion.
        default: the value when the option is not given.
        help: one line: what the option does (the command line's ``--help``, the dashboard's tooltips).
        choices: the allowed keywords (kinds ``choice``, ``start``, ``weights_source``).
        aliases: other spellings of a choice (``{"l-bfgs": "lbfgs"}``).
        positive: kind ``number``: must be > 0 (else >= 0).
        at_most: kind ``number``: the largest allowed value, if any.
        minimum: kind ``count``: the smallest allowed value.
        none: what ``None`` means, if ``None`` is allowed (``""``: it is not).
        reference: the value ``preset="reference"`` sets (:data:`UNSET`: the preset keeps the default).
        needs: a package the option needs once set (checked up front, with the ``pip install``).
        flag: the command line's flag; default ``--`` and the name with dashes (``--tv-weight``).
        metavar: the placeholder the command line's help shows for the value.
        control: True if the dashboard shows the option as a control.
        no_control: why not, when ``control`` is False (the dashboard passes such options through).
        no_flag: why the command line has no flag for the option (``""``: it has one, :attr:`cli_flag`).
        doc: a longer explanation, for :class:`~nst_teach.engine.StyleTransfer`'s docstring.
    """

    name: str
    kind: Kind
    default: Any
    help: str
    choices: Collection[str] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)
    positive: bool = False
    at_most: float | None = None
    minimum: int = 0
    none: str = ""
    reference: Any = UNSET
    needs: str = ""
    flag: str = ""
    metavar: str = ""
    control: bool = True
    no_control: str = ""
    no_flag: str = ""
    doc: str = ""

    def __post_init__(self) -> None:
        if self.default is None and not self.none:
            raise ValueError(f"option {self.name!r}: a default of None needs `none`, saying what None means")
        if self.control == bool(self.no_control):
            raise ValueError(f"option {self.name!r}: give `no_control` (why) exactly when control=False")
        if self.no_flag and self.flag:
            raise ValueError(f"option {self.name!r}: `flag` names a flag, `no_flag` says there is none; not both")

    @property
    def has_flag(self) -> bool:
        """Whether the command line offers the option (every option but those whose :attr:`no_flag` says why not)."""
        return not self.no_flag

    @property
    def cli_flag(self) -> str:
        """The command line's flag: ``--tv-weight`` for ``tv_weight`` unless :attr:`flag` says otherwise.

        ``""`` for an option without a flag (:attr:`no_flag`).
        """
        if self.no_flag:
            return ""
        return self.flag or "--" + self.name.replace("_", "-")


def _function(exercise: Exercise) -> Option:
    """A row of kind ``"function"``: an exercise a run uses, the student's function instead of the package's."""
    return Option(
        exercise.name,
        "function",
        None,
        f"your {exercise.signature} of notebook {exercise.number}: {exercise.run}",
        none=f"the package's own, {exercise.reference_name}",
        control=False,
        no_control="a function the student writes, not a control; passed to the run as given",
        no_flag="a Python function, which a command line cannot take",
        doc=exercise.run_doc + " Checked before the run (:func:`nst_teach.student_functions.preflight`).",
    )


#: Every option of a run, in the order messages list them.  Read by :func:`resolve_options`, the command
#: line (its flags and ``--help``) and the dashboard (its controls).
# fmt: off
TABLE: dict[str, Option] = {option.name: option for option in (
    Option("alpha", "number", ALPHA, "weight α of the content cost"),
    Option("beta", "number", BETA, "weight β of the style cost"),
    Option("tv_weight", "number", 0.0, "weight of the total-variation cost: > 0 smooths away speckle",
           doc="The total-variation cost (:func:`nst_teach.costs.total_variation_cost`) penalizes differences "
               "between neighboring pixels, removing the high-frequency speckle style transfer tends to leave."),
    Option("content_layer", "layer", CONTENT_LAYER, "the VGG-19 layer whose activations are the content",
           metavar="LAYER"),
    Option("style_layers", "layer_weights", dict(STYLE_LAYERS),
           "the layers whose Gram matrices are the style, each with its coefficient λ", metavar="LAYER=λ,...",
           doc="A dict layer -> λ (layers by name or index); a plain list of layers means equal λ."),
    Option("style_blend", "blend", None, "with several style images, their weights", none="equal weights",
           flag="--style-weights", metavar="W",
           control=False, no_control="it depends on how many style images there are; passed to the run as given",
           doc="The target Gram matrix of each layer is the weighted sum of the styles' Gram matrices "
               "(weights normalized to sum to 1)."),
    Option("style_scale", "number", 1.0,
           "size of the style image relative to the content's: smaller makes the strokes larger", positive=True,
           control=False, no_control="an experiment of notebooks/06 (PreviewGrid varies it); passed to the run",
           doc="A Gram matrix sums over positions, so it grows with the image; each Gram is divided by its "
               "number of positions n_H·n_W before the two are compared, which lets the sizes differ (and is "
               "exactly the reference recipe's cost when they are equal)."),
    Option("pooling", "choice", "avg", "VGG-19's pooling: avg (the reference recipe's) or max (VGG-19's own)",
           choices=POOLINGS),
    Option("init", "start", "content",
           "the starting image: content, noise (the reference recipe's), style, or an image",
           choices=INIT_KEYWORDS, reference="noise", metavar="IMAGE",
           doc="``content`` is the content image itself, as the TensorFlow and PyTorch tutorials start: it "
               "saves a picture as good as the reference recipe's in the fewest evaluations "
               "(``benchmarks/bench_levers.py``). "
               "``noise`` is the reference recipe's start, "
               "noise_ratio·U(−20, 20) + (1 − noise_ratio)·content, seeded by ``seed``; ``style`` is the "
               "first style image at the content's size."),
    Option("noise_ratio", "number", NOISE_RATIO, "share of noise in the noisy starting image (0 to 1; init=noise)",
           at_most=1.0),
    Option("optimizer", "choice", "lbfgs", "; ".join(f"{o.name} {o.summary}" for o in OPTIMIZERS.values()),
           choices=OPTIMIZERS.keys(), aliases=ALIASES, reference="adam",  # the registry's, as it changes
           doc="The optimizers are :data:`nst_teach.optimizers.OPTIMIZERS`."),
    Option("learning_rate", "number", None, "Adam's step in pixel units, or the step length L-BFGS tries first",
           positive=True, reference=LEARNING_RATE,
           none="the optimizer's own: " + ", ".join(f"{r:g} for {n}" for n, r in LEARNING_RATES.items())),
    Option("bounded", "switch", True,
           "keep every pixel inside 0..255 while optimizing, so the picture saved is the one optimized",
           reference=False,
           doc="Adam clips the image into the pixel box after each update; L-BFGS is projected onto it "
               "(:func:`nst_teach.images.pixel_box`).  The reference recipe is unbounded: its image leaves the box, "
               "and the "
               "picture it saves (clipped) costs more than the cost it reports — ``Result.saved_total`` says "
               "how much."),
    Option("size", "size", None, "working size (width, height) of the result", metavar="WxH",
           none=f"{format_size(IMG_SIZE)}, or a preprocessed content batch's own size"),
    Option("weights", "weights_source", "auto", "VGG-19's weights: auto, imagenet, random, or a weights file",
           choices=("auto", "imagenet", "random"), metavar="SOURCE",
           control=False, no_control="a choice of the course's set-up, not of one run; passed to the run",
           doc="See :func:`nst_teach.model.build_extractor`."),
    Option("precision", "choice", DEFAULT_PRECISION,
           "VGG-19's number format; auto: bfloat16 where the hardware computes it",
           choices=PRECISIONS, reference="float32",
           doc="Only VGG-19 runs in bfloat16 (Keras ``mixed_bfloat16``); the image, the Gram matrices and the "
               "costs are always float32."),
    Option("seed", "count", SEED, "seed of the starting noise (init=noise): same seed, same result",
           none="fresh noise every time"),
    Option("iterations", "count", ITERATIONS,
           "the most iterations a run does (it ends sooner once converged: see tolerance)", minimum=1,
           reference=ITERATIONS),
    Option("tolerance", "number", None,
           f"converged: the run ends once the cost falls by less than this share of itself over {WINDOW} "
           "iterations (smaller: a finer run; 0: always run every iteration)", at_most=1.0, reference=0.0,
           none="the optimizer's own: " + ", ".join(f"{t:g} for {n}" for n, t in TOLERANCES.items()),
           doc="The convergence rule (:mod:`nst_teach.convergence`).  The reference recipe turns it off: its 500 "
               "Adam iterations are the recipe.  ``Result.ended`` and ``Result.message`` say why a run ended."),
    Option("log_dir", "folder", None, "a folder to write TensorBoard summaries into", none="no summaries",
           needs="tensorboard", metavar="DIR",
           control=False, no_control="a folder on disk for TensorBoard, a set-up choice; passed to the run",
           doc="The costs (``cost/total``, ``cost/content``, ``cost/style``, ``cost/style/<layer>``, ``cost/tv``) "
               "every iteration, the image every ``every`` iterations, and the graph of the training step; "
               "``tensorboard --logdir <log_dir>`` shows them."),
    Option("preserve_colors", "switch", False, "keep the content's colors (luminance-only transfer)",
           control=False, no_control="an experiment of notebooks/06; passed to the run",
           doc="The result keeps the generated image's luminance (Y, where texture and shading live) and takes "
               "its chroma (Cr, Cb) from the content image."),
    Option("scales", "scales", None, "coarse to fine: fractions of size to optimize at in turn, e.g. 0.5 1.0",
           none="one scale, the full size", metavar="F",
           control=False, no_control="the image changes size mid-run, which the dashboard's live panels cannot follow",
           doc="The result of each scale, upsampled, starts the next; the iterations are split equally between "
               "the scales (the remainder goes to the last), and the style image is scaled with the content.  "
               "``Step.scale`` says which scale an iteration ran at."),
    Option("preset", "choice", None, f"reference: the reference recipe ({REFERENCE_WORDS})",
           choices=("reference",), none="nst-teach's defaults",
           control=False, no_control="applied once when the dashboard is made: it sets the controls' values",
           doc="Options given explicitly win over the preset's."),
    *(_function(exercise) for exercise in EXERCISES.values() if exercise.in_run),
)}
# fmt: on

#: The options that are functions of the course, in notebook order: the student's instead of the package's.
FUNCTIONS: tuple[str, ...] = tuple(name for name, option in TABLE.items() if option.kind == "function")


class _Column(Mapping[str, Any]):
    """A read-only view of one column of :data:`TABLE`, by option name (follows the table when it changes)."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute

    def _rows(self) -> dict[str, Any]:
        values = {name: getattr(option, self._attribute) for name, option in TABLE.items()}
        return {name: copy.deepcopy(value) for name, value in values.items() if value is not UNSET}

    def __getitem__(self, name: str) -> Any:
        return self._rows()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())

    def __repr__(self) -> str:
        return repr(self._rows())


#: ``{option: default}`` for every option (``nst_teach.engine.OPTIONS`` is this view).
DEFAULTS: Mapping[str, Any] = _Column("default")

#: ``{option: value}`` that ``preset="reference"`` sets (options given explicitly still win).
REFERENCE_PRESET: Mapping[str, Any] = _Column("reference")


def defaults(preset: str | None = None) -> dict[str, Any]:
    """Every option at its default, with the preset's values if ``preset="reference"`` (a fresh dict)."""
    values = dict(DEFAULTS)
    if check_option("preset", preset) == "reference":
        values.update(REFERENCE_PRESET)
    return values


# --------------------------------------------------------------------------- the checks, one per kind


def _number(option: Option, name: str, value: Any) -> float:
    return check_number(name, value, positive=option.positive, at_most=option.at_most)


def _count(option: Option, name: str, value: Any) -> int:
    return check_int(name, value, minimum=option.minimum)


def _choice(option: Option, name: str, value: Any) -> str:
    return check_choice(name, value, option.choices, aliases=dict(option.aliases))


def _switch(option: Option, name: str, value: Any) -> bool:
    import numpy as np

    if not isinstance(value, (bool, np.bool_)):
        raise OptionError(f"{name} must be True or False, got {value!r}.")
    return bool(value)


def _layer(option: Option, name: str, value: Any) -> str:
    try:
        return layer_name(value)
    except LayerError as exc:
        raise OptionError(f"{name}: {exc}") from None


def _layer_weights(option: Option, name: str, value: Any) -> dict[str, float]:
    if isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, (list, tuple)) and value:
        items = [(layer, 1.0 / len(value)) for layer in value]  # a plain list: equal coefficients
    else:
        raise OptionError(
            f"{name} must be a dict {{layer: coefficient}} such as {dict(STYLE_LAYERS)!r}, "
            f"got {type(value).__name__} {value!r}."
        )
    if not items:
        raise OptionError(f"{name} is empty; give at least one layer, e.g. {{'block1_conv1': 1.0}}.")
    layers: dict[str, float] = {}
    for layer, coefficient in items:
        layers[_layer(option, name, layer)] = check_number(f"{name}[{layer!r}]", coefficient)
    if not any(layers.values()):
        raise OptionError(
            f"{name}: every coefficient is 0 ({layers}), so there is no style to transfer; "
            "give at least one layer a coefficient > 0."
        )
    return layers


def _size(option: Option, name: str, value: Any) -> tuple[int, int]:
    return check_size(value, name)


def _as_list(value: Any) -> Any:
    import numpy as np

    return value.tolist() if isinstance(value, np.ndarray) else value


def _blend(option: Option, name: str, value: Any) -> list[float]:
    value = _as_list(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise OptionError(f"{name} must be a list of weights, one per style image, got {value!r}.")
    weights = [check_number(name, weight) for weight in value]
    if not sum(weights) > 0:
        raise OptionError(f"{name} weights are all 0 ({value!r}); give at least one style a weight > 0.")
    return weights


def _scales(option: Option, name: str, value: Any) -> list[float]:
    value = _as_list(value)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or not value:
        raise OptionError(f"{name} must be None or a list of fractions of size such as [0.5, 1.0], got {value!r}.")
    scales = [check_number(name, scale, positive=True) for scale in value]
    if any(finer <= coarser for coarser, finer in zip(scales, scales[1:])):
        raise OptionError(f"{name} must increase (coarse to fine), e.g. [0.5, 1.0]; got {value!r}.")
    return scales


def _start(option: Option, name: str, value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in option.choices:
        return value.strip().lower()
    if isinstance(value, str) and not (os.path.exists(value) or value.startswith(("http://", "https://"))):
        keywords = ", ".join(repr(choice) for choice in option.choices)
        raise OptionError(
            f"{name} must be {keywords} or an image (path, URL, array); got {value!r}, "
            f"which is neither a keyword nor an existing file.{did_you_mean(value, option.choices)}"
        )
    check_image(name, value)
    return value


def _weights_source(option: Option, name: str, value: Any) -> Any:
    keywords = ", ".join(repr(choice) for choice in option.choices)
    if not isinstance(value, (str, os.PathLike)):
        raise OptionError(f"{name} must be {keywords} or a path to a weights file, got {value!r}.")
    if isinstance(value, str) and value.strip().lower() in option.choices:
        return value.strip().lower()
    if not os.path.isfile(value):
        raise OptionError(
            f"{name} = {value!r} is neither {keywords} nor an existing file."
            f"{did_you_mean(str(value), option.choices)} Check the path, or use {name}={option.default!r}."
        )
    return value


def _folder(option: Option, name: str, value: Any) -> Any:
    if not isinstance(value, (str, os.PathLike)):
        raise OptionError(f"{name} must be a folder path or None, got {type(value).__name__} {value!r}.")
    return value


def _callable(option: Option, name: str, value: Any) -> Any:
    if not callable(value):
        raise OptionError(
            f"{name} must be a function (the {name} you wrote, passed without calling it: {name}={name}), "
            f"or None for {option.none}; got {type(value).__name__} {value!r}."
        )
    return value


_CHECKS = {
    "number": _number,
    "count": _count,
    "choice": _choice,
    "switch": _switch,
    "layer": _layer,
    "layer_weights": _layer_weights,
    "size": _size,
    "blend": _blend,
    "scales": _scales,
    "start": _start,
    "weights_source": _weights_source,
    "folder": _folder,
    "function": _callable,
}


def check_option(name: str, value: Any) -> Any:
    """Checks one option's value against its row of :data:`TABLE`; returns it normalized.

    Normalised means: numbers as floats, choices in lower case (``"L-BFGS"`` -> ``"lbfgs"``),
    layers by name, sizes as ``(width, height)`` ints.  ``None`` stays ``None`` where the option
    allows it (its ``none`` says what it means).

    Raises:
        OptionError: naming the option, the value and what would work.

    >>> check_option("pooling", "MAX")
    'max'
    """
    option = TABLE[name]
    if value is None and option.none:
        return None
    label = option_label(name, option.cli_flag) if option.has_flag else name  # as the user typed it
    checked = _CHECKS[option.kind](option, label, value)
    if option.needs and importlib.util.find_spec(option.needs) is None:
        raise OptionError(
            f"{name} needs {option.needs}, which is not installed: `pip install {option.needs}`, or leave {name} out."
        )
    return checked


def resolve_options(
    given: Mapping[str, Any], *, partial: bool = False, caller: str = "StyleTransfer()"
) -> dict[str, Any]:
    """Checks a run's options and, unless ``partial``, fills in every other one.

    Args:
        given: ``{option: value}`` as the user wrote them.
        partial: check only the options given and return only those, normalized, filling and
            deriving nothing (``learning_rate=None`` stays None, ``precision="auto"`` stays
            "auto"): for a widget that holds the other options as its controls.
        caller: how the message about an unknown option names what was called.

    Returns:
        Without ``partial``: every option of :data:`TABLE` — the defaults, then the reference recipe's values
        if ``preset="reference"``, then the options given — checked and normalized, with
        ``learning_rate=None`` replaced by the optimizer's own (:data:`nst_teach.optimizers.LEARNING_RATES`) and
        ``precision="auto"`` by the format this machine computes in
        (:func:`nst_teach.precision.resolve_precision`).

    Raises:
        OptionError: on the first unknown or invalid option (the message names it).

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.
    """
    unknown = [name for name in given if name not in TABLE]
    if unknown:
        raise OptionError(
            f"{caller} got an unexpected option {unknown[0]!r}.{did_you_mean(unknown[0], TABLE)} "
            f"Valid options: {', '.join(TABLE)}."
        )
    if partial:
        return {name: check_option(name, given[name]) for name in TABLE if name in given}
    settings = defaults(given.get("preset"))
    settings.update(given)
    settings = {name: check_option(name, settings[name]) for name in TABLE}
    if settings["learning_rate"] is None:
        settings["learning_rate"] = LEARNING_RATES[settings["optimizer"]]
    if settings["tolerance"] is None:
        settings["tolerance"] = TOLERANCES[settings["optimizer"]]
    settings["precision"] = resolve_precision(settings["precision"])
    return settings


def blend_weights(blend: Any, n_styles: int) -> list[float]:
    """The weights of ``n_styles`` style images: ``style_blend`` checked, counted and normalized to sum 1.

    >>> blend_weights([1, 3], 2)
    [0.25, 0.75]
    >>> blend_weights(None, 4)
    [0.25, 0.25, 0.25, 0.25]
    """
    if blend is None:
        return [1.0 / n_styles] * n_styles
    weights = check_option("style_blend", blend)
    if len(weights) != n_styles:
        raise OptionError(
            f"style_blend has {len(weights)} weights but there are {n_styles} style images; give one weight per style."
        )
    return [weight / sum(weights) for weight in weights]  # the blend of Grams keeps the scale of one Gram


def check_image(name: str, value: Any) -> None:
    """Raises OptionError unless ``value`` is something an image can be read from.

    A path, an http(s) URL, a NumPy array, a PIL image, or a TensorFlow tensor (a preprocessed
    batch); whether it can really be read is for :func:`nst_teach.images.read_image` to say.
    """
    import numpy as np

    if isinstance(value, (str, os.PathLike, np.ndarray)):
        return
    pil = sys.modules.get("PIL.Image")
    tf = sys.modules.get("tensorflow")  # a tensor exists only once TensorFlow is imported
    if (pil is not None and isinstance(value, pil.Image)) or (
        tf is not None and isinstance(value, (tf.Tensor, tf.Variable))
    ):
        return
    raise OptionError(
        f"{name} must be an image: a file path, an http(s) URL, a NumPy array, a PIL image, or a preprocessed "
        f"(1, H, W, 3) batch; got {type(value).__name__}."
    )


def option_docs(indent: int = 0, width: int = 100) -> str:
    """The table as a reST list, one bullet per option with its default, help and doc (for docstrings)."""
    bullets = []
    for option in TABLE.values():
        default = option.none if option.default is None else repr(option.default)
        text = f"``{option.name}`` (default: {default}): {option.help}." + (f" {option.doc}" if option.doc else "")
        bullets.append(
            textwrap.fill(text, width, initial_indent=" " * indent + "* ", subsequent_indent=" " * (indent + 2))
        )
    return "\n".join(bullets)
