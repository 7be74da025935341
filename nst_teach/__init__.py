"""nst-teach: Neural Style Transfer (Gatys et al., 2015), taught step by step.

The package is what the notebooks in ``notebooks/`` call.  Each public name
below lives in the module that owns its idea:

===============================  =======================================================================
``nst_teach.defaults``           the reference recipe's settings (sizes, α, β, layers...)
``nst_teach.errors``             the error vocabulary (``NSTError`` ...) and the one-line warnings
``nst_teach.validate``           the checks every module shares: numbers, choices, sizes, "did you mean"
``nst_teach.layers``             the VGG-19 layer table (``VGG19_LAYERS``, ``CONV_LAYERS``)
``nst_teach.images``             preprocessing and saving images (notebook 01's steps)
``nst_teach.image_io``           reading pictures of every kind (``read_image``)
``nst_teach.download``           safe, cached downloads of pictures from the web
``nst_teach.samples``            the bundled images to practise on (``load_sample``)
``nst_teach.paintings``          the procedural painter that made the bundled images
``nst_teach.gallery``            the classic inputs of the papers, downloaded on demand
``nst_teach.precision``          float32 or bfloat16 (``resolve_precision``)
``nst_teach.memory``             how much memory a run needs; refusing runs that would not fit
``nst_teach.weights_file``       the weights file's HDF5 layout, read and checked; random filters
``nst_teach.weights``            where VGG-19's weights come from (``weights_status``)
``nst_teach.model``              the VGG-19 feature extractor
``nst_teach.costs``              content, Gram, style, total-variation, total cost
``nst_teach.training``           one optimization step, ``train_step`` (notebook 05)
``nst_teach.exercises``          the course's exercises, in one table (``EXERCISES``)
``nst_teach.options``            every run option, defined once (``TABLE``)
``nst_teach.history``            what the loop reports (``Step``, ``History``, ``Result``)
``nst_teach.scales``             the run's images at each of its scales
``nst_teach.objective``          the cost the loop minimizes, as one traced step
``nst_teach.lbfgs``              L-BFGS, one iteration at a time
``nst_teach.optimizers``         the optimizer registry: Adam, L-BFGS, and how to add one
``nst_teach.student_functions``  the student's own functions in the run, checked before it
``nst_teach.engine``             the optimization loop (``StyleTransfer``)
``nst_teach.viz``                the figures: images, feature maps, Gram matrices, cost curves; live ones
``nst_teach.widgets``            the notebooks' widgets: picker, explorers, dashboard, preview grid
``nst_teach.checks``             the exercises' checks and their feedback
``nst_teach.kept_functions``     the student's functions that passed their checks, kept for notebook 05
``nst_teach.course``             the course: notebook settings, Colab set-up, solved copies
``nst_teach.quiz``               the end-of-course quiz: questions, answers checked by hash, its widgets
``nst_teach.classroom``          the classroom app's rules: Save, the URL box, uploads
``nst_teach.servers``            starting and stopping JupyterLab and the Voila classroom app
``nst_teach.cli``                the ``nst-teach`` command line
===============================  =======================================================================

Names are imported lazily, so ``import nst_teach`` is quick and TensorFlow
is loaded only when something needs it.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

# TensorFlow's C++ start-up chatter (CUDA probes, oneDNN notices) buries what students need to read.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

__version__ = "0.2.0"

_EXPORTS: dict[str, str] = {
    # defaults
    "IMG_SIZE": "defaults",
    "ALPHA": "defaults",
    "BETA": "defaults",
    "NOISE_RATIO": "defaults",
    "CONTENT_LAYER": "defaults",
    "STYLE_LAYERS": "defaults",
    "ITERATIONS": "defaults",
    "LEARNING_RATE": "defaults",
    "SAVE_EVERY": "defaults",
    "VGG_MEANS_BGR": "defaults",
    # errors
    "NSTError": "errors",
    "ImageError": "errors",
    "ImageNotFoundError": "errors",
    "LayerError": "errors",
    "WeightsError": "errors",
    "OptionError": "errors",
    "DownloadError": "errors",
    "SaveError": "errors",
    # images
    "load_image": "images",
    "read_image": "image_io",
    "preprocess": "images",
    "to_rgb": "images",
    "save_image": "images",
    "noisy_image": "images",
    "resize_to": "images",
    "MIN_SIDE": "validate",
    "MAX_PIXELS": "image_io",
    # layers
    "VGG19_LAYERS": "layers",
    "Layer": "layers",
    "layer_table": "layers",
    "layer_index": "layers",
    "layer_name": "layers",
    # model, weights
    "build_extractor": "model",
    "Extractor": "model",
    "weights_status": "weights",
    "WeightsStatus": "weights",
    "write_random_weights": "weights",
    "check_weights_file": "weights",
    "download_weights": "weights",
    # precision
    "resolve_precision": "precision",
    # costs
    "content_cost": "costs",
    "gram_matrix": "costs",
    "gram_cost": "costs",
    "layer_style_cost": "costs",
    "style_cost": "costs",
    "total_variation_cost": "costs",
    "total_cost": "costs",
    "weighted_style_cost": "costs",
    # training: the step notebook 05 asks for
    "train_step": "training",
    # options, engine, history
    "resolve_options": "options",
    "StyleTransfer": "engine",
    "Step": "history",
    "Result": "history",
    "History": "history",
    # samples, gallery
    "load_sample": "samples",
    "sample_names": "samples",
    "gallery_or_fallback": "gallery",
    # viz
    "show_images": "viz",
    "feature_maps": "viz",
    "gram_heatmaps": "viz",
    "cost_curves": "viz",
    # widgets
    "ImagePicker": "widgets",
    "LayerExplorer": "widgets",
    "GramExplorer": "widgets",
    "StyleTransferDashboard": "widgets",
    "PreviewGrid": "widgets",
    # checks
    "check_preprocess": "checks",
    "check_content_cost": "checks",
    "check_build_extractor": "checks",
    "check_gram_matrix": "checks",
    "check_layer_style_cost": "checks",
    "check_style_cost": "checks",
    "check_total_cost": "checks",
    "check_train_step": "checks",
}

#: Submodules reachable as attributes (``nst.viz.feature_maps``) without importing them first.
_SUBMODULES = frozenset(
    {
        "checks",
        "cli",
        "costs",
        "course",
        "defaults",
        "download",
        "engine",
        "errors",
        "exercises",
        "gallery",
        "history",
        "image_io",
        "images",
        "layers",
        "lbfgs",
        "model",
        "objective",
        "optimizers",
        "options",
        "paintings",
        "precision",
        "quiz",
        "samples",
        "scales",
        "servers",
        "student_functions",
        "training",
        "viz",
        "weights",
        "weights_file",
        "widgets",
        "classroom",
    }
)

__all__ = sorted(_EXPORTS) + ["__version__"]


def _in_ipython() -> bool:
    shell = sys.modules.get("IPython")
    return bool(shell is not None and getattr(shell, "get_ipython", lambda: None)() is not None)


if _in_ipython():  # notebooks need TensorFlow anyway: load it now, without its start-up lines in the cell output
    from ._quiet import import_tensorflow_quietly

    import_tensorflow_quietly()


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'nst_teach' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
