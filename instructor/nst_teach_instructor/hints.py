"""The complete lines of code that the checks' hints hold back from students.

A check's hint escalates with the same mistake: what is wrong, then the formula, then a skeleton of
the code with blanks to fill (``return tf.reduce_sum(____) / (____)``).  The complete line is here,
on the instructor's side: the third hint shows it only where the instructor turns it on with the
environment variable ``NST_TEACH_FULL_HINTS=1`` and this package is installed (a demo, or checking
the course).  Each key is the key of the skeleton a check passes (``nst_teach.checks``); the tests
keep the two sides matched and these lines out of the student's package.
"""

from __future__ import annotations

__all__ = ["HINTS", "secret_texts"]

#: The complete line(s) of code of each skeleton, by the key the check passes.
HINTS: dict[str, str] = {
    # notebook 01: preprocess
    "preprocess_bgr": "bgr = cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)",
    "preprocess_resize": "resized = cv2.resize(bgr, size, interpolation=cv2.INTER_CUBIC)",
    "preprocess_means": "x = resized.astype(np.float32) - np.array(VGG_MEANS_BGR, np.float32)",
    "preprocess_batch": "return x[np.newaxis]",
    # notebook 02: build_extractor
    "extractor_input": "inputs = keras.Input(shape=(None, None, 3))",
    "extractor_pool": (
        "if isinstance(layer, keras.layers.MaxPooling2D): "
        'x = keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="same")(x)'
    ),
    "extractor_loop": "for layer in vgg.layers[1:]: x = (an average pool, or layer(x)); outputs[layer.name] = x",
    "extractor_model": "return keras.Model(inputs, {name: outputs[name] for name in layers})",
    # notebook 03: content_cost
    "content_cost": (
        "_, n_H, n_W, n_C = a_g.shape, then return tf.reduce_sum(tf.square(a_c - a_g)) / (4 * n_H * n_W * n_C)"
    ),
    # notebook 04: gram_matrix, layer_style_cost, style_cost
    "gram_matrix": "return tf.matmul(A, tf.transpose(A))",
    "unroll": "A_s = tf.transpose(tf.reshape(a_s, (n_H * n_W, n_C))), and the same for a_g",
    "layer_style_cost": "return tf.reduce_sum(tf.square(G_s - G_g)) / (4 * n_C**2 * (n_H * n_W) ** 2)",
    "style_cost": (
        "J_style = 0.0, then for name, coefficient in coefficients.items(): J_style += coefficient * "
        "layer_style_cost(a_s_layers[name], a_g_layers[name])  (return J_style after the loop)"
    ),
    # notebook 05: total_cost, train_step
    "total_cost": "return alpha * J_content + beta * J_style",
    "train_step": (
        "with tf.GradientTape() as tape: J = cost_fn(generated) — then gradient = tape.gradient(J, generated); "
        "optimizer.apply_gradients([(gradient, generated)]); return J"
    ),
    "train_step_tape": "with tf.GradientTape() as tape:\n        J = cost_fn(generated)   # inside the with block",
    "train_step_gradient": "gradient = tape.gradient(J, generated)",
    "train_step_apply": "optimizer.apply_gradients([(gradient, generated)])",
    "train_step_return": "return J   # the J = cost_fn(generated) computed inside the tape",
}


def secret_texts() -> list[str]:
    """Every complete line the hints hold back (the tests check that none is in the student's package's checks).

    >>> "return tf.matmul(A, tf.transpose(A))" in secret_texts()
    True
    """
    return list(HINTS.values())
