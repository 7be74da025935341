"""Tests for nst_teach.checks.extractor: notebook 02's ``build_extractor(vgg, layers)``.

The right answer passes (the instructor's solution, and another way of writing it); each typical mistake,
written the way a student writes it, fails with the key of its mistake and a message that names the fix;
the package's own ``nst.build_extractor`` is refused in the student's place.
"""

from __future__ import annotations

import functools

import keras
import numpy as np
import tensorflow as tf
from test_checks import assert_fails, first_attempt  # noqa: F401 - the autouse fixture applies here too

import nst_teach as nst
from nst_teach.checks import EXERCISES, check_build_extractor
from nst_teach.checks.extractor import _CASES, _networks, _references
from nst_teach.checks.hints import _forget_attempts
from nst_teach.layers import layer_index
from nst_teach_instructor.solutions import solution


def _path(vgg, pool=None, start=None):
    """Every layer's output on a new path through vgg's layers: ``pool()`` in each max pool's place (None: the
    max pool itself), from ``start`` (a new input of any size by default)."""
    inputs = keras.Input(shape=(None, None, 3)) if start is None else start
    x, outputs = inputs, {}
    for layer in vgg.layers[1:]:
        x = pool()(x) if pool is not None and isinstance(layer, keras.layers.MaxPooling2D) else layer(x)
        outputs[layer.name] = x
    return inputs, outputs


def _same_pool():
    return keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="same")


# ------------------------------------------------------------------------ right answers


def test_the_solution_passes_and_is_the_exercise_of_notebook_02():
    assert EXERCISES["build_extractor"].notebook == "notebooks/02_vgg19.ipynb"
    assert EXERCISES["build_extractor"].check is check_build_extractor
    assert EXERCISES["build_extractor"].reference is nst.build_extractor
    assert not EXERCISES["build_extractor"].in_run  # the run builds its own extractor
    result = check_build_extractor(solution("build_extractor"))
    assert result.passed and result.mistake is None, str(result)
    assert "Well done" in result.message


def test_another_right_way_passes_tf_nn_avg_pool_from_vgg_input():
    def build_extractor(vgg, layers):
        pool = functools.partial(keras.layers.Lambda, lambda t: tf.nn.avg_pool2d(t, 2, 2, "SAME"))
        inputs, outputs = _path(vgg, pool, start=vgg.input)
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    assert check_build_extractor(build_extractor).passed


def test_the_references_round_an_odd_side_up_with_same_padding_and_down_with_valid():
    case = _CASES[0]
    assert case.height % 2 and case.width % 2  # odd sides: the paddings give other sizes
    found = _references(case)
    assert found["same"]["block2_conv1"].shape == (1, 18, 22, 128)  # 35×43 -> 18×22
    assert found["valid"]["block2_conv1"].shape == found["max"]["block2_conv1"].shape == (1, 17, 21, 128)
    np.testing.assert_array_equal(found["same"]["block1_conv2"], found["max"]["block1_conv2"])  # before any pool
    assert np.all(found["max"]["block1_pool"] >= found["valid"]["block1_pool"] - 1e-4)  # max ≥ mean, same windows


def test_the_max_pool_reference_is_keras_vgg19_with_the_same_filters():
    nets = _networks()
    vgg = keras.applications.VGG19(include_top=False, weights=None)
    vgg.set_weights(list(nets.weights))
    image = _CASES[1].image
    keras_own = keras.Model(vgg.input, vgg.get_layer("block3_conv1").output)(image)
    np.testing.assert_allclose(
        keras_own, nets.max_pools(image)["block3_conv1"], rtol=1e-4, atol=1e-3 * float(np.max(keras_own))
    )


# ------------------------------------------------------------------------ the pools


def test_valid_padding_is_named():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, lambda: keras.layers.AveragePooling2D((2, 2), strides=(2, 2)))
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    result = check_build_extractor(build_extractor)
    assert_fails(result, "valid_padding", '"valid" padding', "35 → 18 (rounded up), not 17", 'padding "same"')


def test_max_pools_left_in_are_named():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg)  # every layer called, the max pools too
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    result = check_build_extractor(build_extractor)
    assert_fails(result, "max_pools", "still has VGG-19's max pools", "put an average pool on the path")
    assert "Your code does make average pools" not in result.message


def test_max_pools_left_by_a_condition_that_never_holds_are_named_with_the_condition():
    def build_extractor(vgg, layers):
        inputs = keras.Input(shape=(None, None, 3))
        x, outputs = inputs, {}
        for layer in vgg.layers[1:]:
            if "max" in layer.name:  # Keras names the pools block1_pool...: never true
                x = keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="same")(x)
            else:
                x = layer(x)
            outputs[layer.name] = x
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    assert_fails(check_build_extractor(build_extractor), "max_pools", "check the condition that finds the pools")


def test_the_tensorflow_tutorials_vgg_layers_keeps_the_max_pools():
    def build_extractor(vgg, layers):
        return keras.Model(vgg.input, {name: vgg.get_layer(name).output for name in layers})

    assert_fails(
        check_build_extractor(build_extractor), "max_pools", "vgg.get_layer(name).output", "Build a new path instead"
    )


def test_pools_swapped_after_the_outputs_were_read_are_named():
    def build_extractor(vgg, layers):
        outputs = {name: vgg.get_layer(name).output for name in layers}
        for i, layer in enumerate(vgg.layers):
            if isinstance(layer, keras.layers.MaxPooling2D):
                vgg.layers[i] = keras.layers.AveragePooling2D((2, 2), strides=(2, 2), padding="same")
        return keras.Model(vgg.input, outputs)

    result = check_build_extractor(build_extractor)
    assert_fails(result, "swapped_after_reading", "put average pools in after that", "Build the new path first")
    assert result.mistake == "swapped_after_reading"


def test_outputs_read_from_vgg_with_a_new_input_are_named_as_swapped_after_reading():
    def build_extractor(vgg, layers):
        inputs, _ = _path(vgg, _same_pool)
        return keras.Model(inputs, {name: vgg.get_layer(name).output for name in layers})  # the old path's outputs

    result = check_build_extractor(build_extractor)
    assert_fails(result, "swapped_after_reading", "raised ValueError", "not on the path from your model's input")
    assert "Hint: Run your function yourself" not in result.message


# ------------------------------------------------------------------------ the layers


def test_each_layers_input_kept_instead_of_its_output_is_an_off_by_one():
    def build_extractor(vgg, layers):
        inputs = keras.Input(shape=(None, None, 3))
        x, outputs = inputs, {}
        for layer in vgg.layers[1:]:
            outputs[layer.name] = x  # before the layer: its input
            x = _same_pool()(x) if isinstance(layer, keras.layers.MaxPooling2D) else layer(x)
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    assert_fails(
        check_build_extractor(build_extractor),
        "wrong_layer",
        "the layer just before the one asked for",
        "block4_conv1 for block4_conv2",
        "block1_pool for block2_conv1",
        "you keep each layer's input",
    )


def test_an_index_one_too_far_is_an_off_by_one():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        by_index = list(outputs.values())  # by_index[i] is vgg.layers[i + 1]'s output
        return keras.Model(inputs, {name: by_index[layer_index(name)] for name in layers})

    assert_fails(
        check_build_extractor(build_extractor), "wrong_layer", "just after the one asked for", "block4_conv3 for"
    )


def test_a_pool_read_for_a_convolution_is_named_by_its_layer():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        wrong = {"block4_conv2": "block3_pool"}  # read two layers early
        return keras.Model(inputs, {name: outputs[wrong.get(name, name)] for name in layers})

    result = check_build_extractor(build_extractor)
    assert_fails(result, "wrong_layer", "block3_pool for block4_conv2", "layer.name")
    assert result.mistake == "wrong_layer"


def test_max_pools_and_an_off_by_one_are_both_named():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg)
        by_index = list(outputs.values())
        return keras.Model(inputs, {name: by_index[layer_index(name)] for name in layers})

    result = check_build_extractor(build_extractor)
    assert result.mistake == "max_pools+wrong_layer", str(result)


def test_the_courses_layers_instead_of_the_argument_are_named():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        return keras.Model(inputs, {name: outputs[name] for name in [*nst.STYLE_LAYERS, nst.CONTENT_LAYER]})

    assert_fails(check_build_extractor(build_extractor), "ignores_layers", "Read the names from the argument layers")


def test_missing_and_extra_layers_are_named():
    def all_layers(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        return keras.Model(inputs, outputs)

    def convolutions_only(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        return keras.Model(inputs, {name: outputs[name] for name in layers if "conv" in name})

    assert_fails(check_build_extractor(all_layers), "extra_layers", "not asked for", "cut after the deepest layer")
    assert_fails(check_build_extractor(convolutions_only), "missing_layers", "'block3_pool' missing")


# ------------------------------------------------------------------------ the model


def test_a_list_of_outputs_is_told_to_be_a_dict():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        return keras.Model(inputs, [outputs[name] for name in layers])

    result = check_build_extractor(build_extractor)
    assert_fails(result, "outputs_not_dict", "a list of 6 tensors", "{layer name: output}")


def test_a_fixed_input_size_is_named():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool, start=keras.Input(shape=(224, 224, 3)))
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    assert_fails(check_build_extractor(build_extractor), "fixed_input_size", "(None, 224, 224, 3)", "(None, None, 3)")


def test_new_convolutions_without_vggs_filters_are_named():
    def build_extractor(vgg, layers):
        inputs = keras.Input(shape=(None, None, 3))
        x, outputs = inputs, {}
        for layer in vgg.layers[1:]:
            if isinstance(layer, keras.layers.MaxPooling2D):
                x = _same_pool()(x)
            else:
                x = keras.layers.Conv2D(layer.filters, 3, padding="same", activation="relu")(x)
            outputs[layer.name] = x
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    assert_fails(check_build_extractor(build_extractor), "new_convolutions", "do not have its filters")


def test_what_is_not_a_model_is_named():
    def no_return(vgg, layers):
        _path(vgg, _same_pool)

    def the_outputs(vgg, layers):
        _, outputs = _path(vgg, _same_pool)
        return {name: outputs[name] for name in layers}

    assert_fails(check_build_extractor(no_return), "returned_none", "`return`")
    assert_fails(check_build_extractor(the_outputs), "not_model", "the outputs themselves", "keras.Model(")
    assert_fails(check_build_extractor(lambda vgg, layers: vgg.layers), "not_model", "not a Keras model")


def test_an_unknown_mistake_gets_the_formula_at_once():
    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, _same_pool)
        return keras.Model(inputs, {name: keras.layers.Rescaling(2.0)(outputs[name]) for name in layers})

    result = check_build_extractor(build_extractor)
    assert_fails(result, None, "not one of the typical mistakes", "values differ by up to", "Formula:")
    assert result.mistake is None


def test_what_the_function_raises_is_explained():
    def not_written(vgg, layers):
        raise NotImplementedError("build_extractor is not written yet")

    def typo(vgg, layers):
        return keras.Model(vgg.input, {name: vgg.get_layer(name + "x").output for name in layers})

    assert_fails(check_build_extractor(not_written), "not_written", "replace the `raise NotImplementedError` line")
    assert_fails(check_build_extractor(typo), "raised", "Your function raised ValueError", "at line")


# ------------------------------------------------------------------------ the package's own, and the hints


def test_the_packages_build_extractor_is_refused():
    assert_fails(
        check_build_extractor(nst.build_extractor), "uses_reference", "is the package's own nst.model.build_extractor"
    )
    result = check_build_extractor(lambda vgg, layers: nst.build_extractor(layers, weights="random").model)
    assert_fails(result, "uses_reference", "calls the package's own nst.model.build_extractor", "build the model in a")
    result = check_build_extractor(functools.partial(nst.model.build_extractor))
    assert_fails(result, "uses_reference", "nst.model.build_extractor")


def test_the_packages_extractor_called_inside_is_refused():
    made = nst.build_extractor("block1_conv1", weights="random")

    def build_extractor(vgg, layers):
        made(np.zeros((1, 32, 32, 3), np.float32))  # the package's extractor does the work
        return solution("build_extractor")(vgg, layers)

    assert_fails(
        check_build_extractor(build_extractor),
        "uses_reference",
        "nst.model.Extractor.__call__, part of nst.model.build_extractor",
    )


def test_the_hint_grows_to_a_skeleton_and_the_complete_line_only_for_the_instructor(monkeypatch):
    from nst_teach_instructor.hints import HINTS

    def build_extractor(vgg, layers):
        inputs, outputs = _path(vgg, lambda: keras.layers.AveragePooling2D((2, 2), strides=(2, 2)))
        return keras.Model(inputs, {name: outputs[name] for name in layers})

    messages = [check_build_extractor(build_extractor).message for _ in range(3)]
    assert ["Formula:" in m for m in messages] == [False, True, True]
    assert "Fill in the blanks (____): if isinstance(layer, keras.layers.____)" in messages[2]
    assert HINTS["extractor_pool"] not in messages[2]
    _forget_attempts()
    monkeypatch.setenv("NST_TEACH_FULL_HINTS", "1")
    third = [check_build_extractor(build_extractor) for _ in range(3)][-1]
    assert HINTS["extractor_pool"] in third.message
