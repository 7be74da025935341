"""The reference solutions of the exercises, as the short code a solved notebook shows.

On the instructor's side: nothing a student imports reaches this module —
not ``nst_teach``, not ``nst_teach.checks`` (whose checks compare with the
package's own functions, :mod:`nst_teach.costs` and :mod:`nst_teach.images`).
It is read by ``nst-teach notebooks --solutions``
(:func:`nst_teach_instructor.solve.solve_notebook`) and by the tests, which check that
each solution passes its own check, i.e. gives the package's results.
"""

from __future__ import annotations

import importlib
import linecache
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf

from nst_teach.defaults import VGG_MEANS_BGR
from nst_teach.exercises import exercise

__all__ = ["SOURCES", "USES", "solution_source", "solution"]

#: The solution code of every exercise, by the name of the function the student writes.
SOURCES: dict[str, str] = {
    "preprocess": '''\
def preprocess(rgb, size):
    """uint8 RGB image (H, W, 3) -> VGG-19 input: float32 (1, height, width, 3), BGR, means subtracted."""
    bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)                     # VGG-19 was trained on BGR images
    bgr = cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)     # size is (width, height)
    x = bgr.astype(np.float32) - np.array(VGG_MEANS_BGR, np.float32)
    return x[np.newaxis]                                           # a batch of one: (1, height, width, 3)
''',
    "build_extractor": '''\
def build_extractor(vgg, layers):
    """Keras' VGG-19 with average pools: a keras.Model from images to {name: activations} of each name in layers."""
    inputs = keras.Input(shape=(None, None, 3))   # any height and width
    x = inputs
    outputs = {}
    for layer in vgg.layers[1:]:                   # vgg.layers[0] is the input
        if isinstance(layer, keras.layers.MaxPooling2D):
            x = keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="same")(x)   # in the max pool's place
        else:
            x = layer(x)                           # VGG-19's own convolution, with its filters
        outputs[layer.name] = x                    # this layer's output, under its name
    return keras.Model(inputs, {name: outputs[name] for name in layers})
''',
    "content_cost": '''\
def content_cost(a_c, a_g):
    """J_content = 1/(4·n_H·n_W·n_C) · Σ (a_c − a_g)², for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_g.shape
    return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_H * n_W * n_C)
''',
    "gram_matrix": '''\
def gram_matrix(A):
    """G = A·Aᵀ for the unrolled activations A of shape (n_C, n_H·n_W); G has shape (n_C, n_C)."""
    return tf.matmul(A, tf.transpose(A))
''',
    "layer_style_cost": '''\
def layer_style_cost(a_s, a_g):
    """J_style[l] = 1/(4·n_C²·(n_H·n_W)²) · Σ (G_S − G_G)², for activations of shape (1, n_H, n_W, n_C)."""
    _, n_H, n_W, n_C = a_g.shape
    # Unroll to (n_C, n_H·n_W): one row per position first, then transpose, so that each row is one channel.
    A_s = tf.transpose(tf.reshape(a_s, (n_H * n_W, n_C)))
    A_g = tf.transpose(tf.reshape(a_g, (n_H * n_W, n_C)))
    G_s = gram_matrix(A_s)
    G_g = gram_matrix(A_g)
    return tf.reduce_sum(tf.square(G_s - G_g)) / (4 * n_C**2 * (n_H * n_W) ** 2)
''',
    "style_cost": '''\
def style_cost(a_s_layers, a_g_layers, coefficients):
    """J_style = Σ_l λ_l · J_style[l]; the three arguments are dicts keyed by layer name."""
    J_style = 0.0
    for name, coefficient in coefficients.items():
        J_style += coefficient * layer_style_cost(a_s_layers[name], a_g_layers[name])
    return J_style
''',
    "total_cost": '''\
def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = α·J_content + β·J_style."""
    return alpha * J_content + beta * J_style
''',
    "train_step": '''\
def train_step(generated, optimizer, cost_fn):
    """One step: J = cost_fn(generated) under a tape, its gradient, one optimizer update; returns J."""
    with tf.GradientTape() as tape:
        J = cost_fn(generated)
    gradient = tape.gradient(J, generated)
    optimizer.apply_gradients([(gradient, generated)])
    return J
''',
}


#: The names each solution's code expects where it runs (as the notebook defines them): modules,
#: constants, and the functions of the exercises it builds on.
USES: dict[str, tuple[str, ...]] = {
    "preprocess": ("np", "cv2", "VGG_MEANS_BGR"),
    "build_extractor": ("keras",),
    "content_cost": ("tf",),
    "gram_matrix": ("tf",),
    "layer_style_cost": ("tf", "gram_matrix"),
    "style_cost": ("layer_style_cost",),
    "total_cost": (),
    "train_step": ("tf",),
}


def solution_source(name: str) -> str:
    """The reference solution of an exercise, as the code a solved notebook shows.

    The code is short and student-facing; it expects the names listed in
    ``USES[name]`` (``tf``, ``np``, ``cv2``, ``keras``, ``VGG_MEANS_BGR``, or an earlier
    exercise's function) to be defined, as they are in the notebook.

    Args:
        name: the exercise, one of :data:`~nst_teach.exercises.EXERCISES`.

    Returns:
        The source code of one ``def``.

    Raises:
        OptionError: ``name`` is not an exercise.

    >>> print(solution_source("gram_matrix").splitlines()[0])
    def gram_matrix(A):
    """
    return SOURCES[exercise(name).name]


def solution(name: str) -> Callable:
    """The reference solution of an exercise as a function, built from :func:`solution_source`.

    The names the code uses are provided: ``tf``, ``np``, ``cv2``, ``keras``, ``VGG_MEANS_BGR``,
    and the solutions of the exercises it builds on.

    Args:
        name: the exercise, one of :data:`~nst_teach.exercises.EXERCISES`.

    Returns:
        The solution function.

    Raises:
        OptionError: ``name`` is not an exercise.

    >>> float(solution("content_cost")(tf.ones((1, 2, 3, 4)), tf.zeros((1, 2, 3, 4))))
    0.25
    """
    source = solution_source(name)
    scope: dict[str, Any] = {}
    for used in USES[exercise(name).name]:
        if used == "tf":
            scope["tf"] = tf
        elif used == "np":
            scope["np"] = np
        elif used == "cv2":
            scope["cv2"] = importlib.import_module("cv2")
        elif used == "keras":
            scope["keras"] = importlib.import_module("keras")
        elif used == "VGG_MEANS_BGR":
            scope["VGG_MEANS_BGR"] = VGG_MEANS_BGR
        else:
            scope[used] = solution(used)
    filename = f"<nst_teach solution of {name}>"
    # Registered like a file, so that inspect.getsource and tf.function's AutoGraph can read the code.
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), scope)  # noqa: S102 - our own code
    return scope[name]
