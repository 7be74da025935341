"""``preset="reference"`` is the reference recipe's graph: an independent re-implementation with plain ``tf.nn`` ops.

The reference below does not use nst_teach's model or costs. It reads the kernels straight from the
weights file with h5py, runs them with ``tf.nn.conv2d``, swaps every max pool for the reference recipe's
``tf.nn.avg_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")``, and scores the image
with the reference recipe's cost lines. The sizes are chosen so that the pools do *not* halve evenly (300 rows
become 150, 75, 38, 19), which is where "same" and "valid" padding part ways.
"""

from __future__ import annotations

import h5py
import numpy as np
import pytest
import tensorflow as tf

import nst_teach as nst

CONTENT_LAYER = "block4_conv2"
STYLE_LAYERS = [
    ("block1_conv1", 0.2),
    ("block2_conv1", 0.2),
    ("block3_conv1", 0.2),
    ("block4_conv1", 0.2),
    ("block5_conv1", 0.2),
]
ALPHA, BETA = 10.0, 40.0
# VGG-19 up to block5_conv1, in Keras' order: convolutions by name, "pool" for each pool.
ARCHITECTURE = [
    "block1_conv1",
    "block1_conv2",
    "pool",
    "block2_conv1",
    "block2_conv2",
    "pool",
    "block3_conv1",
    "block3_conv2",
    "block3_conv3",
    "block3_conv4",
    "pool",
    "block4_conv1",
    "block4_conv2",
    "block4_conv3",
    "block4_conv4",
    "pool",
    "block5_conv1",
]


@pytest.fixture(scope="module")
def weights_file(tmp_path_factory):
    return nst.write_random_weights(tmp_path_factory.mktemp("reference-graph") / "vgg19.h5", seed=5)


def reference_network(weights_path, x):
    """The reference recipe's VGG-19 with average pools (SAME padding): every layer's activations by name."""
    outputs = {}
    with h5py.File(weights_path, "r") as f:
        for name in ARCHITECTURE:
            if name == "pool":
                x = tf.nn.avg_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="SAME")
                continue
            names = [n.decode() if isinstance(n, bytes) else n for n in f[name].attrs["weight_names"]]
            kernel = np.asarray(f[name][names[0]], np.float32)
            bias = np.asarray(f[name][names[1]], np.float32)
            x = tf.nn.relu(tf.nn.conv2d(x, kernel, strides=[1, 1, 1, 1], padding="SAME") + bias)
            outputs[name] = x
    return outputs


def compute_content_cost(a_C, a_G):
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_C_unrolled = tf.reshape(a_C, [m, n_H * n_W, n_C])
    a_G_unrolled = tf.reshape(a_G, [m, n_H * n_W, n_C])
    return tf.reduce_sum(tf.square(tf.subtract(a_C_unrolled, a_G_unrolled))) / (4 * n_H * n_W * n_C)


def gram_matrix(A):
    return tf.matmul(A, tf.transpose(A))


def compute_layer_style_cost(a_S, a_G):
    m, n_H, n_W, n_C = a_G.get_shape().as_list()
    a_S = tf.transpose(tf.reshape(a_S, [n_H * n_W, n_C]))
    a_G = tf.transpose(tf.reshape(a_G, [n_H * n_W, n_C]))
    GS, GG = gram_matrix(a_S), gram_matrix(a_G)
    return tf.reduce_sum(tf.square(tf.subtract(GS, GG))) / (4 * n_C**2 * (n_H * n_W) ** 2)


def picture(seed, size):
    """A smooth random RGB picture (uint8), so that deep layers see structure, not only noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(0, 255, (max(2, height // 16), max(2, width // 16), 3)).astype(np.float32)
    smooth = tf.image.resize(coarse[None], (height, width), method="bicubic")[0].numpy()
    return np.clip(smooth + rng.normal(0, 12, smooth.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("size", [(400, 300), (97, 61)], ids=["400x300", "97x61"])
def test_reference_preset_first_step_costs_equal_the_reference_graph(weights_file, size):
    content = nst.preprocess(picture(1, size), size)
    style = nst.preprocess(picture(2, size), size)
    start = nst.preprocess(picture(3, size), size)

    transfer = nst.StyleTransfer(content, style, preset="reference", weights=str(weights_file), init=start, size=size)
    first = next(iter(transfer.steps(1)))

    a_C = reference_network(weights_file, tf.constant(content))[CONTENT_LAYER]
    style_out = reference_network(weights_file, tf.constant(style))
    generated = reference_network(weights_file, tf.constant(start))
    J_content = float(compute_content_cost(a_C, generated[CONTENT_LAYER]))
    J_layers = {name: float(compute_layer_style_cost(style_out[name], generated[name])) for name, _ in STYLE_LAYERS}
    J_style = sum(coefficient * J_layers[name] for name, coefficient in STYLE_LAYERS)
    J = ALPHA * J_content + BETA * J_style

    assert first.content == pytest.approx(J_content, rel=1e-5)
    for name, _ in STYLE_LAYERS:
        assert first.style_by_layer[name] == pytest.approx(J_layers[name], rel=1e-5), name
    assert first.style == pytest.approx(J_style, rel=1e-5)
    assert first.total == pytest.approx(J, rel=1e-5)


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        # (width, height) -> (n_H, n_W) of block4_conv2 and block5_conv1 in the reference recipe's graph
        ((400, 300), {"block4_conv2": (38, 50), "block5_conv1": (19, 25)}),
        ((97, 61), {"block4_conv2": (8, 13), "block5_conv1": (4, 7)}),
    ],
    ids=["400x300", "97x61"],
)
def test_layer_shapes_are_the_reference_graphs(weights_file, size, expected):
    width, height = size
    x = tf.zeros((1, height, width, 3))
    reference = reference_network(weights_file, x)
    extractor = nst.build_extractor(list(expected), weights=str(weights_file), precision="float32")
    ours = extractor(x)
    for name, shape in expected.items():
        assert tuple(reference[name].shape[1:3]) == shape, name  # the reference computes what the comment says
        assert tuple(ours[name].shape[1:3]) == shape, name
