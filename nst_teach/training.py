r"""One optimization step, the formula notebook 05 asks the student to write: :func:`train_step`.

Style transfer trains the image, not the network: the cost :math:`J(G)` is differentiated with respect
to the pixels of G, and an optimizer moves them against the gradient.  This module is that step and
nothing else (TensorFlow only), beside :mod:`nst_teach.costs`, the formulas it minimizes.  Adam's
adapter (:mod:`nst_teach.optimizers`) calls it every iteration, and :func:`nst_teach.checks.check_train_step`
compares the student's step with it.

Introduced in ``notebooks/05_style_transfer_live.ipynb``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import tensorflow as tf

__all__ = ["train_step", "TrainStep"]


#: ``train_step(generated, optimizer, cost_fn) -> cost``: one optimization step (see :func:`train_step`).
TrainStep = Callable[[tf.Variable, Any, Callable[[tf.Variable], tf.Tensor]], Any]


def train_step(generated: tf.Variable, optimizer: Any, cost_fn: Callable[[tf.Variable], tf.Tensor]) -> tf.Tensor:
    r"""One optimization step on the generated image: the cost, its gradient, the optimizer's update.

    Style transfer trains the image, so the image is the variable: under a ``tf.GradientTape`` the
    cost :math:`J(G)` is computed from ``generated``, the tape gives :math:`\partial J / \partial G`,
    and the optimizer moves the pixels against it.  This is Adam's step in every run; a student's
    ``train_step`` given to :class:`~nst_teach.engine.StyleTransfer` (``train_step=train_step``) takes
    its place, so it must keep this contract:

    * it takes the image ``generated`` (a ``tf.Variable``, ``(1, n_H, n_W, 3)``), the ``optimizer``
      (a Keras Adam, already built for the variable) and ``cost_fn``, a function of the image that
      returns the total cost :math:`J = \alpha J_{content} + \beta J_{style}` (the run's, made with
      the run's cost functions);
    * it calls ``cost_fn(generated)`` inside the tape (the run reads the costs it reports from that
      call), takes the gradient with respect to ``generated``, and applies it with
      ``optimizer.apply_gradients([(gradient, generated)])``;
    * it returns the cost (one number).

    The run calls it inside its ``tf.function`` (once traced, each step runs the graph); one that
    cannot be traced is called eagerly (slower).  Unlike the Coursera assignment's ``train_step``,
    it takes the optimizer and the cost as arguments instead of reading globals, and does not clip
    the pixels: a bounded run (the default; not the reference recipe's) clips them after it returns.

    The reference, line for line as it runs::

        def train_step(generated, optimizer, cost_fn):
            with tf.GradientTape() as tape:
                J = cost_fn(generated)
            gradient = tape.gradient(J, generated)
            optimizer.apply_gradients([(gradient, generated)])
            return J

    Args:
        generated: the generated image, the variable the step changes.
        optimizer: a Keras optimizer (the run's Adam).
        cost_fn: ``cost_fn(image) -> J``, the total cost of an image (a float32 scalar tensor).

    Returns:
        The cost :math:`J` of the image before the step.

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> import keras
    >>> G = tf.Variable([[1.0, -2.0]])
    >>> adam = keras.optimizers.Adam(learning_rate=0.5)
    >>> float(train_step(G, adam, lambda g: tf.reduce_sum(tf.square(g))))   # J = 1² + (−2)²
    5.0
    >>> G.numpy().round(3).tolist()   # Adam's first step moves each pixel by about the learning rate, downhill
    [[0.5, -1.5]]
    """
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J
