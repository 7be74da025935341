"""The two ways the loop moves the pixels downhill: Adam and L-BFGS, behind one small interface.

The engine (:class:`nst_teach.engine.StyleTransfer`) asks an optimizer for one iteration at a time
(:meth:`step`), reads the current image (:attr:`image`), and puts an earlier image back when a step
went wrong (:meth:`restore`).  Both adapters compute the costs and the gradient with one
:class:`~nst_teach.objective.Objective`:

* :class:`AdamOptimizer`: Keras' Adam on a ``tf.Variable`` image, the seed's choice; one traced
  ``tf.function`` computes the costs, the gradient and the update;
* :class:`LbfgsOptimizer`: L-BFGS (:class:`nst_teach.lbfgs.LBFGS`, the algorithm) on the flattened
  image; each evaluation is one call of the objective's traced ``value_and_grad``.

Introduced in ``notebooks/05_style_transfer_live.ipynb`` (the choice of optimizer in
``notebooks/06_experiments.ipynb``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from .lbfgs import LBFGS
from .objective import Objective

__all__ = ["AdamOptimizer", "LbfgsOptimizer", "Optimizer", "StepReport", "make_optimizer", "LBFGS_HISTORY"]

#: How many (s, y) pairs the L-BFGS optimizer remembers (20 reached a given cost in a few
#: iterations fewer than 10 at 200×150; each pair costs two image-sized float32 arrays).
LBFGS_HISTORY = 20

#: What one :meth:`step` reports: ``(packed costs of the image it started from, that image, the image
#: after, whether the image after is finite, why it could not go further (or None), the total cost of
#: the image after if known (or None))``.
StepReport = tuple[np.ndarray, Any, Any, bool, str | None, float | None]


class AdamOptimizer:
    """Adam on a ``tf.Variable`` image; one traced ``tf.function`` per step."""

    def __init__(self, objective: Objective, x0: np.ndarray, learning_rate: float) -> None:
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
        self.variable.assign(x)
        self._new_optimizer()


class LbfgsOptimizer:
    """L-BFGS (:class:`nst_teach.lbfgs.LBFGS`) on the flattened image."""

    def __init__(self, objective: Objective, x0: np.ndarray, learning_rate: float) -> None:
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

    def step(self) -> StepReport:
        """One L-BFGS iteration (see :data:`StepReport`)."""
        lbfgs = self.optimizer
        lbfgs.evaluate()
        packed, before = lbfgs.aux, lbfgs.x
        moved = lbfgs.step()
        message = None if moved else f"L-BFGS {lbfgs.message}"  # "L-BFGS converged: ..." or "... could not go on: ..."
        after = lbfgs.x.reshape(self.shape)
        return packed, before.reshape(self.shape), after, True, message, lbfgs.f if moved else None

    @property
    def image(self) -> np.ndarray:
        """The current image, a ``(1, H, W, 3)`` float32 array."""
        return self.optimizer.x.reshape(self.shape)

    def restore(self, x: Any) -> None:
        """Starts L-BFGS afresh from ``x`` (its remembered steps belong to the image it left)."""
        self.optimizer = self._new(x)


#: Either optimizer: what :func:`make_optimizer` returns.
Optimizer = AdamOptimizer | LbfgsOptimizer


def make_optimizer(name: str, objective: Objective, x0: np.ndarray, learning_rate: float) -> Optimizer:
    """A fresh optimizer ``name`` (``"adam"`` or ``"lbfgs"``) starting from the image ``x0``."""
    kind = AdamOptimizer if name == "adam" else LbfgsOptimizer
    return kind(objective, x0, learning_rate)
