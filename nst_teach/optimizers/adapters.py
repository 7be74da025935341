"""The two adapters of the registry (:mod:`nst_teach.optimizers`): Adam and L-BFGS on the objective.

Each keeps the interface the engine uses (:class:`nst_teach.optimizers.Optimizer`): one iteration at
a time (:meth:`step`), the current image (:attr:`image`), and an earlier image put back when a step
went wrong (:meth:`restore`).  Both compute the costs and the gradient with one
:class:`~nst_teach.objective.Objective`:

* :class:`AdamOptimizer`: Keras' Adam on a ``tf.Variable`` image, the reference recipe's choice; one traced
  ``tf.function`` computes the costs, the gradient and the update;
* :class:`LbfgsOptimizer`: L-BFGS (:class:`nst_teach.lbfgs.LBFGS`, the algorithm) on the flattened
  image; each evaluation is one call of the objective's traced ``value_and_grad``.

Adam's step is :func:`nst_teach.training.train_step`, the one notebook 05 asks the student to write; a run given
``train_step=`` (the student's) makes its steps with that one instead.

With ``bounded=True`` (the default run's; the reference recipe's is unbounded) both keep the image inside the
pixel box (:func:`nst_teach.images.pixel_box`), so the picture saved is the picture optimised: Adam
clips every pixel after each update, as the TensorFlow and PyTorch tutorials do; L-BFGS is projected
onto the box (:class:`nst_teach.lbfgs.LBFGS`'s ``bounds``).

Introduced in ``notebooks/05_style_transfer_live.ipynb`` (the choice of optimizer in
``notebooks/06_experiments.ipynb``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from ..images import pixel_box
from ..lbfgs import LBFGS
from ..objective import Objective, Traced
from ..training import TrainStep, train_step

__all__ = ["AdamOptimizer", "LbfgsOptimizer"]

#: What one :meth:`step` reports (:data:`nst_teach.optimizers.StepReport`).
StepReport = tuple[np.ndarray, Any, Any, bool, str | None, float | None]


class AdamOptimizer:
    """Adam on a ``tf.Variable`` image; each step is one call of ``step_fn`` (:func:`train_step` by default).

    Args:
        objective: the costs (:class:`~nst_teach.objective.Objective`).
        x0: the starting image.
        learning_rate: Adam's step in pixel units.
        step_fn: the step, ``step_fn(generated, optimizer, cost_fn)`` (the student's ``train_step``);
            None: :func:`train_step`.
        traced: whether ``step_fn`` runs inside the step's ``tf.function`` (False: eagerly).
        bounded: clip the image into the pixel box after every update (and the start into it).
    """

    def __init__(
        self,
        objective: Objective,
        x0: np.ndarray,
        learning_rate: float,
        step_fn: TrainStep | None = None,
        traced: bool = True,
        bounded: bool = False,
    ) -> None:
        self.objective = objective
        self.learning_rate = learning_rate
        self.step_fn = step_fn if step_fn is not None else train_step
        self.traced = traced
        self.box = pixel_box() if bounded else None
        self.variable = tf.Variable(self._inside(x0), dtype=tf.float32, trainable=True)
        self._new_optimizer()

    def _new_optimizer(self) -> None:
        import keras

        self.optimizer = keras.optimizers.Adam(self.learning_rate)
        self.optimizer.build([self.variable])  # its moments exist before the step is traced
        self._step = Traced(self._train_step, []) if self.traced else self._train_step

    def _train_step(self) -> tuple[tf.Tensor, tf.Tensor, tf.Tensor]:
        reported: list[tf.Tensor] = []

        def cost_fn(image: tf.Variable) -> tf.Tensor:
            packed = self.objective.packed_costs(image)
            reported.append(packed)  # the costs of this image, read by the run
            return packed[0]  # inside the tape, so that the slice is recorded too

        before = tf.identity(self.variable)
        self.step_fn(self.variable, self.optimizer, cost_fn)
        if self.box is not None:  # back into the pixel range: the saved picture is the one optimised
            self.variable.assign(tf.clip_by_value(self.variable, self.box[0], self.box[1]))
        after = tf.identity(self.variable)
        image_is_finite = tf.cast(tf.reduce_all(tf.math.is_finite(after)), tf.float32)
        return tf.concat([reported[-1], [image_is_finite]], 0), before, after

    def step(self) -> StepReport:
        """One Adam update (see :data:`StepReport`)."""
        packed, before, after = self._step()
        packed = packed.numpy()  # the one device -> host read of the iteration
        return packed[:-1], before, after, bool(packed[-1]), None, None

    @property
    def image(self) -> tf.Variable:
        """The current image, a ``(1, H, W, 3)`` float32 variable."""
        return self.variable

    def restore(self, x: Any) -> None:
        """Puts ``x`` back and forgets Adam's moments (they may hold NaN)."""
        self.variable.assign(self._inside(x))
        self._new_optimizer()

    def _inside(self, x: Any) -> Any:
        """``x`` clipped into the box when bounded (a start made by resizing may overshoot it)."""
        if self.box is None:
            return x
        return np.clip(np.asarray(x, np.float32), self.box[0], self.box[1])


class LbfgsOptimizer:
    """L-BFGS (:class:`nst_teach.lbfgs.LBFGS`) on the flattened image, remembering ``history_size`` steps."""

    def __init__(
        self,
        objective: Objective,
        x0: np.ndarray,
        learning_rate: float,
        bounded: bool = False,
        *,
        history_size: int,
        max_backtracks: int = 20,
        max_restarts: int = 2,
    ) -> None:
        self.objective = objective
        self.history_size = history_size
        self.searches = {"max_backtracks": max_backtracks, "max_restarts": max_restarts}
        self.shape = x0.shape
        self.learning_rate = learning_rate
        self.bounds = None
        if bounded:  # per channel, repeated at every pixel of the flattened (1, H, W, 3) image
            lower, upper = pixel_box()
            self.bounds = tuple(np.broadcast_to(b, self.shape).ravel() for b in (lower, upper))
        self.optimizer = self._new(x0)

    def _new(self, x0: Any) -> LBFGS:
        # Every cost is >= 0, so the first step may aim at 0 (Polyak's step): much longer than
        # PyTorch's min(1, 1/|g|₁), whose change of the cost float32 cannot even resolve at 400×300.
        x0 = np.asarray(x0, np.float32).ravel()
        return LBFGS(
            self._fun,
            x0,
            lr=self.learning_rate,
            history_size=self.history_size,
            f_lower_bound=0.0,
            bounds=self.bounds,
            **self.searches,
        )

    def _fun(self, x: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        packed, gradient = self.objective.value_and_grad(tf.constant(x.reshape(self.shape)))
        packed = packed.numpy()
        return float(packed[0]), gradient.numpy().ravel(), packed

    def step(self) -> StepReport:
        """One L-BFGS iteration (see :data:`StepReport`)."""
        lbfgs = self.optimizer
        lbfgs.evaluate()
        packed, before = lbfgs.aux, lbfgs.x
        evaluations = lbfgs.evaluations
        moved = lbfgs.step()
        message = None
        if not moved and lbfgs.message is not None and "not finite" in lbfgs.message:
            message = f"L-BFGS {lbfgs.message}"
        elif not moved:  # the engine ends the run as converged: nothing a step can gain is above the cost's rounding
            searches = "both line searches" if lbfgs.max_restarts else "the line search"
            message = (
                f"no step lowers the cost any more ({searches} of L-BFGS failed, "
                f"{lbfgs.evaluations - evaluations} trial steps in all)"
            )
        after = lbfgs.x.reshape(self.shape)
        return packed, before.reshape(self.shape), after, True, message, lbfgs.f if moved else None

    @property
    def image(self) -> np.ndarray:
        """The current image, a ``(1, H, W, 3)`` float32 array."""
        return self.optimizer.x.reshape(self.shape)

    def restore(self, x: Any) -> None:
        """Starts L-BFGS afresh from ``x`` (its remembered steps belong to the image it left)."""
        self.optimizer = self._new(x)
