"""The seed program, as written: the baseline every benchmark compares against.

A faithful TensorFlow 2 rendering of the original teaching script: the full
VGG-19 up to ``block5_pool`` (max pools swapped for the seed's ``tf.nn.avg_pool(..., padding="SAME")``), the seed's
own cost functions (unroll, Gram, normalisations), Adam with learning rate 2 on
the image itself, float32 throughout.  It deliberately does not use nst_teach,
so it doubles as an independent reference for the package's costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import keras
import numpy as np
import tensorflow as tf

CONTENT_LAYER = ("block4_conv2", 1.0)
STYLE_LAYERS = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]
ALPHA, BETA = 10.0, 40.0


def load_vgg_model(weights_path: str) -> keras.Model:
    """VGG-19 to block5_pool with the max pools replaced by average pools, all outputs exposed."""
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    vgg.load_weights(weights_path)
    x = inputs = keras.Input((None, None, 3))
    outputs = {}
    for layer in vgg.layers[1:]:
        if isinstance(layer, keras.layers.MaxPooling2D):
            x = keras.layers.AveragePooling2D(2, 2, padding="same", name=layer.name)(x)  # tf.nn.avg_pool(..., "SAME")
        else:
            x = layer(x)
        outputs[layer.name] = x
    return keras.Model(inputs, outputs)


def compute_content_cost(a_C: tf.Tensor, a_G: tf.Tensor) -> tf.Tensor:
    _, n_H, n_W, n_C = a_G.shape
    return tf.reduce_sum(tf.square(a_C - a_G)) / (4 * n_H * n_W * n_C)


def gram_matrix(A: tf.Tensor) -> tf.Tensor:
    return tf.matmul(A, tf.transpose(A))


def compute_layer_style_cost(a_S: tf.Tensor, a_G: tf.Tensor) -> tf.Tensor:
    _, n_H, n_W, n_C = a_G.shape
    a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))
    GS, GG = gram_matrix(a_S), gram_matrix(a_G)
    return tf.reduce_sum(tf.square(GS - GG)) / (4 * n_C**2 * (n_H * n_W) ** 2)


def make_reference_cost(model: keras.Model, content: np.ndarray, style: np.ndarray) -> Callable[[np.ndarray], float]:
    """The seed's total cost as a float32 function of an image: the one yardstick of every benchmark side."""
    a_C = model(content)[CONTENT_LAYER[0]]
    style_out = model(style)
    a_S = {name: style_out[name] for name, _ in STYLE_LAYERS}

    @tf.function
    def cost(x: tf.Tensor) -> tf.Tensor:
        out = model(x)
        j_content = compute_content_cost(a_C, out[CONTENT_LAYER[0]])
        j_style = tf.add_n([coef * compute_layer_style_cost(a_S[name], out[name]) for name, coef in STYLE_LAYERS])
        return ALPHA * j_content + BETA * j_style

    return lambda image: float(cost(tf.constant(image, tf.float32)))


def run_seed(
    model: keras.Model,
    content: np.ndarray,
    style: np.ndarray,
    init: np.ndarray,
    iterations: int,
    learning_rate: float = 2.0,
    on_step: Callable[[int, float], None] | None = None,
) -> np.ndarray:
    """Adam on the image, as the seed does; returns the final image."""
    a_C = model(content)[CONTENT_LAYER[0]]
    style_out = model(style)
    a_S = {name: style_out[name] for name, _ in STYLE_LAYERS}
    generated = tf.Variable(init, dtype=tf.float32)
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate)

    @tf.function
    def train_step() -> tf.Tensor:
        with tf.GradientTape() as tape:
            out = model(generated)
            j_content = compute_content_cost(a_C, out[CONTENT_LAYER[0]])
            j_style = tf.add_n([coef * compute_layer_style_cost(a_S[name], out[name]) for name, coef in STYLE_LAYERS])
            j = ALPHA * j_content + BETA * j_style
        optimizer.apply_gradients([(tape.gradient(j, generated), generated)])
        return j

    start = time.perf_counter()
    for i in range(1, iterations + 1):
        j = train_step()
        if on_step is not None:
            on_step(i, time.perf_counter() - start)
        if i % 20 == 0:
            float(j)  # the seed prints its cost every 20 iterations
    return generated.numpy()
