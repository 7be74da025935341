"""The ways the loop moves the pixels downhill, in one registry: :data:`OPTIMIZERS`.

Each optimizer is one :class:`OptimizerEntry`: its name (the option ``optimizer``), the label the
dashboard shows, its adapter, the learning rate ``learning_rate=None`` means, and how many evaluations
of the cost an iteration takes (what :mod:`nst_teach.pace` predicts with).  The option's choices, the
learning rates, the pace and the dashboard's dropdown all read the registry, so adding an optimizer is
one entry (:func:`register`) plus its adapter; an unknown name raises an
:class:`~nst_teach.errors.OptionError` that lists the registered ones.

An adapter is what the engine (:class:`nst_teach.engine.StyleTransfer`) drives, the interface
:class:`Optimizer`: one iteration at a time (:meth:`~Optimizer.step`), the current image
(:attr:`~Optimizer.image`), and an earlier image put back when a step went wrong
(:meth:`~Optimizer.restore`).  It is made with ``adapter(objective, x0, learning_rate, bounded=...)``
(and ``step_fn=``, ``traced=`` when the entry ``takes_train_step``), and computes the costs and the
gradient with the :class:`~nst_teach.objective.Objective` it is given.  The two the package brings are
in :mod:`nst_teach.optimizers.adapters`:

* ``adam``: Keras' Adam on a ``tf.Variable`` image, the reference recipe's choice; each step is
  :func:`nst_teach.training.train_step`, or the student's ``train_step=``;
* ``lbfgs``: L-BFGS (:class:`nst_teach.lbfgs.LBFGS`, the algorithm) on the flattened image.

>>> sorted(OPTIMIZERS), optimizer_entry("L-BFGS").label, LEARNING_RATES["adam"]
(['adam', 'lbfgs'], 'L-BFGS', 2.0)
>>> optimizer_entry("sgd")
Traceback (most recent call last):
    ...
nst_teach.errors.OptionError: optimizer must be one of 'adam', 'lbfgs', got 'sgd'.

Introduced in ``notebooks/05_style_transfer_live.ipynb`` (the choice of optimizer in
``notebooks/06_experiments.ipynb``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..convergence import TOLERANCE
from ..defaults import LEARNING_RATE
from ..validate import check_choice

if TYPE_CHECKING:
    import numpy as np

    from ..objective import Objective
    from ..training import TrainStep

__all__ = [
    "Optimizer",
    "StepReport",
    "OptimizerEntry",
    "OPTIMIZERS",
    "ALIASES",
    "LEARNING_RATES",
    "LABELS",
    "TOLERANCES",
    "LBFGS_LEARNING_RATE",
    "LBFGS_HISTORY",
    "LBFGS_MAX_BACKTRACKS",
    "LBFGS_RESTARTS",
    "register",
    "unregister",
    "optimizer_entry",
    "make_optimizer",
]

#: What one :meth:`Optimizer.step` reports: ``(packed costs of the image it started from, that image, the
#: image after, whether the image after is finite, why it could not go further (or None), the total cost
#: of the image after if known (or None))``.
StepReport = tuple[Any, Any, Any, bool, str | None, float | None]


class Optimizer(Protocol):
    """What the engine drives: an adapter of the registry, started at one image."""

    def step(self) -> StepReport:
        """One iteration (see :data:`StepReport`)."""

    @property
    def image(self) -> Any:
        """The current image, ``(1, H, W, 3)`` float32."""

    def restore(self, x: Any) -> None:
        """Puts the image ``x`` back (and forgets what the optimizer remembered of the image it leaves)."""


@dataclass(frozen=True)
class OptimizerEntry:
    """One optimizer of the registry.

    Attributes:
        name: the option's value (``optimizer="adam"``), lower case.
        label: what the dashboard's dropdown shows (``"Adam"``).
        adapter: ``adapter(objective, x0, learning_rate, bounded=...)`` -> an :class:`Optimizer`
            (with ``step_fn=`` and ``traced=`` too when :attr:`takes_train_step`).
        learning_rate: what ``learning_rate=None`` means for it.
        evaluations: evaluations of the cost per iteration, on average (what the pace predicts with).
        summary: a few words for the option's help (``"is the reference recipe's"``).
        aliases: other spellings (``("l-bfgs",)``).
        takes_train_step: whether each step is a ``train_step`` (Adam's): the student's is used.
        tolerance: what ``tolerance=None`` means for it: the convergence rule's share
            (:mod:`nst_teach.convergence`).
        advice: what to try when the cost stops being finite (``{learning_rate}`` is filled in).
    """

    name: str
    label: str
    adapter: Callable[..., Optimizer]
    learning_rate: float
    evaluations: float = 1.0
    summary: str = ""
    aliases: tuple[str, ...] = ()
    takes_train_step: bool = False
    advice: str = "try a smaller learning_rate (now {learning_rate:g})"
    tolerance: float = 0.01


#: How many (s, y) pairs the L-BFGS optimizer remembers (20 reached a given cost in a few
#: iterations fewer than 10 at 200×150; each pair costs two image-sized float32 arrays).
LBFGS_HISTORY = 20

#: How many times an L-BFGS line search may shorten a rejected step (so at most 1 + this many evaluations a
#: search), and how many times a failed search is tried again as a plain gradient step before the run ends as
#: converged: a search that fails twice means no step can lower the cost any more (at bfloat16's rounding,
#: late in a run, the searches used to accept steps that changed nothing, 14 evaluations an iteration).
LBFGS_MAX_BACKTRACKS = 5
LBFGS_RESTARTS = 1

#: Step length L-BFGS tries first (1 is the quasi-Newton step); ``learning_rate`` with ``optimizer="lbfgs"``.
LBFGS_LEARNING_RATE = 1.0


def _adam(objective: Objective, x0: np.ndarray, learning_rate: float, **keywords: Any) -> Optimizer:
    from .adapters import AdamOptimizer  # the adapters load TensorFlow: when a run starts, not with the options

    return AdamOptimizer(objective, x0, learning_rate, **keywords)


def _lbfgs(objective: Objective, x0: np.ndarray, learning_rate: float, bounded: bool = False) -> Optimizer:
    from .adapters import LbfgsOptimizer  # the adapters load TensorFlow: when a run starts, not with the options

    return LbfgsOptimizer(
        objective,
        x0,
        learning_rate,
        bounded,
        history_size=LBFGS_HISTORY,
        max_backtracks=LBFGS_MAX_BACKTRACKS,
        max_restarts=LBFGS_RESTARTS,
    )


#: Every optimizer by name, in the order the dashboard lists them.
OPTIMIZERS: dict[str, OptimizerEntry] = {}


def register(entry: OptimizerEntry) -> OptimizerEntry:
    """Adds ``entry`` to :data:`OPTIMIZERS` (the option, the dashboard and the pace offer it at once)."""
    if entry.name != entry.name.strip().lower() or not entry.name:
        raise ValueError(f"an optimizer's name is lower case without spaces, got {entry.name!r}")
    taken = [name for name in (entry.name, *entry.aliases) if name in OPTIMIZERS or name in ALIASES]
    if taken:
        raise ValueError(f"the optimizer name {taken[0]!r} is taken; unregister({taken[0]!r}) first")
    OPTIMIZERS[entry.name] = entry
    return entry


def unregister(name: str) -> None:
    """Removes the optimizer ``name`` (the built-in ones too: a test's toy optimizer, mostly)."""
    del OPTIMIZERS[optimizer_entry(name).name]


class _Aliases(Mapping[str, str]):
    """``{other spelling: name}`` over the registry (follows it when it changes)."""

    def _rows(self) -> dict[str, str]:
        return {alias: entry.name for entry in OPTIMIZERS.values() for alias in entry.aliases}

    def __getitem__(self, alias: str) -> str:
        return self._rows()[alias]

    def __iter__(self) -> Iterator[str]:
        return iter(self._rows())

    def __len__(self) -> int:
        return len(self._rows())


class _Column(Mapping[str, Any]):
    """``{name: one attribute of its entry}`` over the registry (follows it when it changes)."""

    def __init__(self, attribute: str) -> None:
        self._attribute = attribute

    def __getitem__(self, name: str) -> Any:
        return getattr(OPTIMIZERS[name], self._attribute)

    def __iter__(self) -> Iterator[str]:
        return iter(OPTIMIZERS)

    def __len__(self) -> int:
        return len(OPTIMIZERS)


#: Other spellings of the optimizers' names (``"l-bfgs"``), read by the option's check.
ALIASES: Mapping[str, str] = _Aliases()

#: What ``learning_rate=None`` means, per optimizer: Adam's is the reference recipe's (2), L-BFGS's the
#: quasi-Newton step (1).
LEARNING_RATES: Mapping[str, float] = _Column("learning_rate")

#: What the dashboard's dropdown shows for each optimizer (``"L-BFGS"``).
LABELS: Mapping[str, str] = _Column("label")

#: What ``tolerance=None`` means, per optimizer: L-BFGS's was measured (:data:`nst_teach.convergence.TOLERANCE`);
#: Adam's, 1 % over 10 iterations, was not (its steps lower the cost far less per iteration than L-BFGS's).
TOLERANCES: Mapping[str, float] = _Column("tolerance")


def optimizer_entry(name: str) -> OptimizerEntry:
    """The registry's entry ``name`` (any case, or an alias); an OptionError listing the optimizers if none."""
    return OPTIMIZERS[check_choice("optimizer", name, OPTIMIZERS.keys(), aliases=dict(ALIASES))]


def make_optimizer(
    name: str,
    objective: Objective,
    x0: np.ndarray,
    learning_rate: float,
    step_fn: TrainStep | None = None,
    traced: bool = True,
    bounded: bool = False,
) -> Optimizer:
    """A fresh optimizer ``name`` (an entry of :data:`OPTIMIZERS`) starting from the image ``x0``.

    ``step_fn`` and ``traced`` are the step and whether it runs inside ``tf.function``, for an
    optimizer that ``takes_train_step`` (Adam); the others take their own steps.  ``bounded`` keeps
    the image inside the pixel box (the option ``bounded``).

    Raises:
        OptionError: ``name`` is not registered.
    """
    entry = optimizer_entry(name)
    if entry.takes_train_step:
        return entry.adapter(objective, x0, learning_rate, bounded=bounded, step_fn=step_fn, traced=traced)
    return entry.adapter(objective, x0, learning_rate, bounded=bounded)


register(
    OptimizerEntry(
        "adam",
        "Adam",
        _adam,
        learning_rate=LEARNING_RATE,
        evaluations=1.0,
        summary="is the reference recipe's",
        takes_train_step=True,
        tolerance=0.01,
    )
)
register(
    OptimizerEntry(
        "lbfgs",
        "L-BFGS",
        _lbfgs,
        learning_rate=LBFGS_LEARNING_RATE,
        # Its line search now and then evaluates twice (22 evaluations in 21 iterations, 100×75 to 400×300).
        evaluations=1.05,
        summary="reaches a given cost in the fewest iterations",
        aliases=("l-bfgs",),
        advice="check the images and the weights, or try optimizer='adam' with a small learning_rate",
        tolerance=TOLERANCE,
    )
)
