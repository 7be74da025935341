r"""The optimization loop of Neural Style Transfer: :class:`StyleTransfer`.

Style transfer trains an *image*, not a network.  The generated image ``G`` is a variable; VGG-19 stays
frozen; each iteration computes

.. math:: J(G) = \alpha J_{content}(C, G) + \beta J_{style}(S, G) \;[+\; w_{TV} J_{TV}(G)]

and its gradient with respect to the pixels of ``G``, and moves the pixels downhill.  The targets — the
content image's activations and the style image's Gram matrices — do not change, so they are computed
once, when the :class:`StyleTransfer` is created.

>>> st = StyleTransfer("content.jpg", "style.jpg")  # doctest: +SKIP
>>> for step in st.steps(10):                         # doctest: +SKIP
...     print(step.iteration, step.total)
>>> result = st.run(200, callback=lambda s: print(s.iteration, s.total))  # doctest: +SKIP
>>> result.image.shape                                # doctest: +SKIP
(300, 400, 3)

The loop never displays anything: a plain cell, the live dashboard, the command
line and the tests all observe the same :meth:`StyleTransfer.steps` generator.

Speed comes from VGG-19 cut after the deepest layer the costs use, one traced ``tf.function`` for every
cost and the gradient, L-BFGS (:mod:`nst_teach.lbfgs`: a given cost in far fewer iterations than Adam),
bfloat16 where the hardware computes it, and an end once the picture has converged
(:mod:`nst_teach.convergence`).  A default run stays in the pixel box (``bounded``): it saves what it
optimized.  ``preset="reference"`` runs the reference recipe exactly (:mod:`nst_teach.recipe`).

The loop is this module; the ideas it uses each live in their own:
:mod:`nst_teach.options` (what every option means and accepts),
:mod:`nst_teach.objective` (the cost at one image size, over :mod:`nst_teach.costs`),
:mod:`nst_teach.optimizers` (the optimizer registry: Adam, L-BFGS, one step at a time),
:mod:`nst_teach.student_functions` (the student's own functions in the run, checked before it),
:mod:`nst_teach.scales` (the images at each scale), :mod:`nst_teach.summaries` (TensorBoard's) and
:mod:`nst_teach.history` (what the loop reports: :class:`Step`, :class:`History`, :class:`Result`).

The student's own functions make the picture when given: ``StyleTransfer(content, style,
gram_matrix=gram_matrix, train_step=train_step, optimizer="adam")`` computes every cost with them and
steps with their ``train_step``; one that cannot run (it raises, has the wrong shape, NumPy inside)
is refused at once, in the words of its exercise's check.

Introduced in ``notebooks/05_style_transfer_live.ipynb``; the extras (several styles, ``style_scale``,
``preserve_colors``, ``tv_weight``, ``scales``) in ``notebooks/06_experiments.ipynb``.
"""

from __future__ import annotations

import gc
import math
import numbers
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from .convergence import converged, converged_message, expected_end, limit_message
from .defaults import IMG_SIZE, SAVE_EVERY
from .errors import OptionError, warn
from .history import History, Layers, Result, Step, log_run
from .images import noisy_image, preprocess, resize_to, to_rgb
from .layers import layer_name
from .model import build_extractor
from .objective import Objective
from .optimizers import Optimizer, make_optimizer, optimizer_entry
from .options import (
    DEFAULTS,
    INIT_KEYWORDS,
    blend_weights,
    check_image,
    option_docs,
    resolve_options,
)
from .recipe import describe
from .scales import Scale, Source, check_plan, scaled_size
from .student_functions import Functions, check_style_images, preflight, resolve_functions
from .summaries import Summaries
from .validate import is_batch

if TYPE_CHECKING:
    from .images import ImageLike
    from .model import Extractor, WeightsStatus

__all__ = ["StyleTransfer", "Step", "Result", "History", "OPTIONS"]

#: An image inside the loop: a preprocessed ``(1, H, W, 3)`` float32 batch (array, tensor or variable).
Batch = np.ndarray | tf.Tensor

#: Every option :class:`StyleTransfer` takes, with its default: a view of :data:`nst_teach.options.TABLE`.
OPTIONS = DEFAULTS


# ---------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------


class StyleTransfer:
    r"""Neural Style Transfer of one content image in the style of one (or several) style images.

    Creating the object checks every option, loads the images, builds VGG-19 (cut
    after the deepest layer used) and computes the targets; nothing is optimized
    until :meth:`steps` or :meth:`run`.

    Args:
        content: the content image: a path, an http(s) URL, a NumPy array (uint8 RGB,
            grayscale or RGBA), a PIL image, or an already preprocessed float32 ``(1, H, W, 3)``
            batch (:data:`nst_teach.images.ImageLike`).
        style: the style image (same forms), or a list of them to blend.
        **options: the run's options (unknown names raise :class:`OptionError`), each defined
            once in :data:`nst_teach.options.TABLE`, from which this list is made:

            {options}

    Raises:
        OptionError: an option is unknown or invalid (raised before any image or
            weight is loaded).
        ImageError: an image cannot be read.
        WeightsError: the VGG-19 weights cannot be loaded.

    Attributes:
        options: the resolved options (a dict; do not modify).
        precision: ``"float32"`` or ``"bfloat16"``, what VGG-19 runs in.
        functions: the :class:`~nst_teach.student_functions.Functions` the run computes with
            (``functions.given`` names the student's).
        weights: the ``WeightsStatus`` of the weights used.
        extractor: the :class:`nst_teach.model.Extractor` the costs use.
        history: the :class:`History` of every iteration so far.
        iteration: iterations done so far.
        iterations: the most iterations :meth:`run` does (it ends sooner once converged: ``tolerance``).

    Introduced in ``notebooks/05_style_transfer_live.ipynb``.

    >>> st = StyleTransfer("content.jpg", "style.jpg", size=(200, 150))  # doctest: +SKIP
    >>> result = st.run(100)                                               # doctest: +SKIP
    """

    def __init__(self, content: ImageLike, style: ImageLike | Sequence[ImageLike], **options: Any) -> None:
        settings = resolve_options(options)
        check_image("content", content)
        styles = list(style) if isinstance(style, (list, tuple)) else [style]
        if not styles:
            raise OptionError("style is an empty list; give at least one style image.")
        for i, s in enumerate(styles):
            check_image("style" if len(styles) == 1 else f"style[{i}]", s)
        blend = blend_weights(settings["style_blend"], len(styles))
        self.options = settings
        self.precision: str = settings["precision"]
        self.iterations: int = settings["iterations"]

        # The student's functions, tried on small tensors before anything is loaded (refused with the check's words).
        self.functions: Functions = resolve_functions(settings)
        check_style_images(self.functions, len(styles), settings["style_scale"])
        self._train_step_traced = preflight(self.functions, settings)["train_step_traced"]
        if "train_step" in self.functions.given and not optimizer_entry(settings["optimizer"]).takes_train_step:
            warn(
                f"train_step is one Adam step, and optimizer={settings['optimizer']!r} takes its own steps (with your "
                "cost functions, if given); give optimizer='adam' to run your train_step."
            )

        # Sizes: known before any image is read (a preprocessed batch has its shape).
        if settings["size"] is not None:
            size = settings["size"]
        elif is_batch(content):
            size = (int(content.shape[2]), int(content.shape[1]))
        else:
            size = IMG_SIZE
        self._scale_plan = [(factor, scaled_size(size, factor)) for factor in (settings["scales"] or [1.0])]
        check_plan(size, self._scale_plan, settings)  # each scale big enough, and the largest fits in memory

        # Images (read once; produced at each scale's size on demand).
        content_src = Source("content", content)
        style_srcs = [Source("style" if len(styles) == 1 else f"style[{i}]", s) for i, s in enumerate(styles)]
        init = settings["init"]
        init_src = Source("init", init) if not (isinstance(init, str) and init in INIT_KEYWORDS) else None

        gc.collect()  # dropped runs' VGG-19s: Keras' reference cycles wait for a rare collection (06 grew 1 GB); 0.15 s
        # VGG-19, cut after the deepest layer used.
        content_layer = settings["content_layer"]
        layers = [content_layer, *[name for name in settings["style_layers"] if name != content_layer]]
        self.extractor: Extractor = build_extractor(
            layers, pooling=settings["pooling"], weights=settings["weights"], precision=self.precision
        )
        self.weights: WeightsStatus = self.extractor.weights
        self._extra_extractor: Extractor | None = None

        # Targets at every scale, once.
        self._scales: list[Scale] = []
        for factor, scale_size in self._scale_plan:
            content_batch = content_src.at(scale_size)
            style_size = scaled_size(scale_size, settings["style_scale"])
            style_batches = [src.at(style_size) for src in style_srcs]
            objective = Objective(self.extractor, content_batch, style_batches, blend, settings, self.functions)
            self._scales.append(Scale(factor, scale_size, objective, content_batch))

        first = self._scales[0]
        if init_src is not None:
            x0 = init_src.at(first.size)
        elif init == "noise":
            x0 = noisy_image(first.content, noise_ratio=settings["noise_ratio"], seed=settings["seed"])
        elif init == "content":
            x0 = first.content
        else:  # "style": the first style image, at the content's size
            x0 = style_srcs[0].at(first.size)
        self._x0 = np.array(x0, dtype=np.float32)

        self._stop_event = threading.Event()
        self._generation = 0
        self._summaries = Summaries(settings["log_dir"]) if settings["log_dir"] is not None else None
        self.reset()

    # -- set-up helpers ------------------------------------------------------

    def _make_optimizer(self, objective: Objective, x0: np.ndarray) -> Optimizer:
        settings = self.options
        return make_optimizer(
            settings["optimizer"],
            objective,
            x0,
            settings["learning_rate"],
            self.functions.train_step,
            self._train_step_traced,
            settings["bounded"],
        )

    def reset(self) -> None:
        """Starts over: the initial image, no history, the first scale, a fresh optimizer."""
        self._generation += 1  # ends any steps() generator still open
        self.iteration = 0
        self.history = History(list(self.options["style_layers"]))
        self._scale_index = 0
        self._optimizer = self._make_optimizer(self._scales[0].objective, self._x0)
        self._best: tuple[float, Batch] | None = None
        self._last_good: Batch | None = None
        self._latest_scored = True  # whether the current image's cost was seen by _consider_best
        self._latest_total: float | None = None  # the current image's total cost, when known
        self._elapsed = 0.0
        self._message: str | None = None
        self._ended: str | None = None
        self._scale_totals: list[float] = []  # the costs at the current scale, which the convergence rule reads

    # -- images out ----------------------------------------------------------

    @property
    def scale(self) -> float:
        """The scale the image is at now (1.0 without ``scales``)."""
        return self._scales[self._scale_index].factor

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of the image now."""
        return self._scales[self._scale_index].size

    def _rgb(self, x: Batch, scale: Scale) -> np.ndarray:
        rgb = to_rgb(np.asarray(x, dtype=np.float32))
        if self.options["preserve_colors"]:
            rgb = scale.keep_colors(rgb)
        return rgb

    def targets(self) -> dict[str, np.ndarray | dict[str, np.ndarray]]:
        """The targets the costs compare with, at the current scale (computed once, at set-up).

        Returns:
            ``{"content": content activations (1, n_H, n_W, n_C), "style": {layer: target Gram
            (n_C, n_C)}}`` as float32 arrays.  The style Grams are the blend of the style
            images' Grams, each rescaled to the generated image's number of positions.
        """
        objective = self._scales[self._scale_index].objective
        return {
            "content": objective.content_target.numpy(),
            "style": {name: gram.numpy() for name, gram in objective.style_targets.items()},
        }

    def batch(self) -> np.ndarray:
        """The current image as the preprocessed float32 ``(1, H, W, 3)`` batch the optimizer trains."""
        return np.array(self._optimizer.image, dtype=np.float32)

    def image(self) -> np.ndarray:
        """The current image, RGB uint8 ``(H, W, 3)``; callable at any time, from any thread."""
        return self._rgb(self._optimizer.image, self._scales[self._scale_index])

    def activations(self, layers: Layers, x: Batch | None = None) -> dict[str, np.ndarray]:
        """``{layer name: float32 (1, n_H, n_W, n_C)}``: the activations of the current image (or of the
        preprocessed ``(1, H, W, 3)`` batch ``x``) at ``layers``, any of VGG-19's (names or indices)."""
        names = [layer_name(layers)] if isinstance(layers, (str, numbers.Integral)) else [layer_name(n) for n in layers]
        x = self._optimizer.image if x is None else x
        extractor = self.extractor
        if not set(names) <= set(extractor.layers):
            extra = self._extra_extractor
            if extra is None or not set(names) <= set(extra.layers):
                wanted = sorted(set(names) | set(extra.layers if extra is not None else ()))
                settings = self.options
                extra = build_extractor(
                    wanted, pooling=settings["pooling"], weights=settings["weights"], precision=self.precision
                )
                self._extra_extractor = extra
            extractor = extra
        acts = extractor(tf.convert_to_tensor(np.asarray(x, np.float32)))
        return {name: np.asarray(acts[name], dtype=np.float32) for name in names}

    # -- the loop ------------------------------------------------------------

    def stop(self) -> None:
        """Asks the running loop to stop after the current iteration.

        Thread-safe: call it from another thread, an asyncio task or a widget's
        callback.  The latest image is kept; :meth:`run` returns with ``stopped=True``.
        """
        self._stop_event.set()

    def _plan(self, n: int) -> list[tuple[int, int]]:
        """Splits ``n`` iterations over the scales from the current one on: [(scale index, count)]."""
        remaining = list(range(self._scale_index, len(self._scales)))
        share, extra = divmod(n, len(remaining))
        counts = [share] * len(remaining)
        counts[-1] += extra
        return [(index, count) for index, count in zip(remaining, counts) if count > 0]

    def _enter_scale(self, index: int) -> None:
        """Moves to scale ``index``: the current image, upsampled, starts a fresh optimizer there."""
        if index == self._scale_index:
            return
        scale = self._scales[index]
        x0 = np.asarray(resize_to(self.batch(), scale.size), np.float32)
        self._scale_index = index
        self._optimizer = self._make_optimizer(scale.objective, x0)
        self._best = None
        self._last_good = None
        self._latest_total = None
        self._scale_totals = []

    def saved_total(self, x: Batch | None = None) -> float:
        """The total cost of the current image (or of the batch ``x``) as saved: :meth:`image`'s whole numbers
        0…255 (means added, rounded, clipped), read back: what the user gets.  One forward pass."""
        return self._saved_total_at(self.batch() if x is None else x, self._scales[self._scale_index])

    def _saved_total_at(self, x: Batch, scale: Scale) -> float:
        return self._total_of(preprocess(self._rgb(x, scale), None), scale)

    def total(self, x: Batch | None = None) -> float:
        """The total cost of the current image (or of the batch ``x``) as the optimizer holds it (one forward pass)."""
        return self._total_of(self.batch() if x is None else x)

    def _total_of(self, x: Batch, scale: Scale | None = None) -> float:
        objective = (scale or self._scales[self._scale_index]).objective
        return float(objective.packed_costs(tf.constant(np.asarray(x, np.float32)))[0])

    def _score_latest(self) -> None:
        """Scores the current image if no step did (Adam reports the cost of the image a step starts from,
        so the image its last update made is otherwise never scored): one forward pass, at the end of a run."""
        if self._latest_scored:
            return
        self._latest_scored = True
        x = self.batch()
        self._latest_total = self._total_of(x)
        self._consider_best(self._latest_total, x)

    def _consider_best(self, total: float, x: Batch) -> None:
        if math.isfinite(total) and (self._best is None or total < self._best[0]):
            self._best = (total, x)

    def _non_finite_message(self, what: str, value: float, iteration: int) -> str:
        advice = optimizer_entry(self.options["optimizer"]).advice.format(learning_rate=self.options["learning_rate"])
        return (
            f"the {what} became {value} at iteration {iteration}; {advice}. The last image with a finite cost is kept."
        )

    def steps(self, iterations: int | None = None, *, every: int = SAVE_EVERY) -> Iterator[Step]:
        """Optimizes the image, one iteration per ``next()``, yielding a :class:`Step` each.

        Continues from the current image (call :meth:`reset` to start over).  Ends
        when the run has converged (the option ``tolerance``, :mod:`nst_teach.convergence`, or an
        optimizer that finds no lower cost), after ``iterations`` iterations, at :meth:`stop`, or when
        the cost or the image stops being finite (the last finite image is put back);
        :attr:`ended` and :attr:`message` say which, and the last :class:`Step`'s ``ended`` says
        ``"converged"`` or ``"limit"``.

        Args:
            iterations: the most iterations; default :attr:`iterations`.
            every: with ``log_dir``, write an image snapshot every this many iterations.

        Yields:
            One :class:`Step` per iteration.

        Introduced in ``notebooks/05_style_transfer_live.ipynb``.
        """
        n = self.iterations if iterations is None else iterations
        if isinstance(n, bool) or not isinstance(n, (numbers.Integral, np.integer)) or n < 0:
            raise OptionError(f"iterations must be an int >= 0, got {iterations!r}.")
        if isinstance(every, bool) or not isinstance(every, (numbers.Integral, np.integer)) or every < 1:
            raise OptionError(f"every must be an int >= 1, got {every!r}.")
        return self._steps(int(n), int(every))

    def _steps(self, n: int, every: int) -> Iterator[Step]:
        self._generation += 1
        generation = self._generation
        self._stop_event.clear()
        self._message, self._ended = None, None
        end = self.iteration + n
        started = time.perf_counter()
        elapsed_before = self._elapsed
        try:
            plan = self._plan(n)
            for number, (scale_index, count) in enumerate(plan):
                self._enter_scale(scale_index)
                last_scale = number == len(plan) - 1
                for _ in range(count):
                    if self._stop_event.is_set() or generation != self._generation:
                        self._end("stopped", f"stopped at iteration {self.iteration} (stop() was called).")
                        return
                    step = self._one_step(end, every, elapsed_before, started, last_scale)
                    if step is None:
                        return
                    yield step
                    if step.ended is not None:
                        return
                    if not last_scale and converged(self._scale_totals, self.options["tolerance"]):
                        break  # converged at a coarser scale: on to the next (the last scale's end is _ending's)
            if self._ended is None:  # a coarser scale converged early, so the last did fewer than `end`
                self._end("limit", f"did every iteration planned at each scale ({self.iteration} in all).")
        finally:
            if generation == self._generation:
                self._elapsed = elapsed_before + time.perf_counter() - started
            if self._summaries is not None:
                self._summaries.flush()
            log_run(size=self.size, iterations=self.iteration - end + n, seconds=time.perf_counter() - started,
                    ended=self._ended, optimizer=self.options["optimizer"], precision=self.precision)  # fmt: skip

    def _end(self, ended: str, message: str) -> None:
        """Records why the run ends (:attr:`ended`, :attr:`message`)."""
        self._ended, self._message = ended, message

    def _ending(self, k: int, end: int, last_scale: bool) -> str | None:
        """Why the run ends at iteration ``k`` (its Step's ``ended``), with :attr:`message` set; None if it goes on."""
        tolerance = self.options["tolerance"]
        if last_scale and converged(self._scale_totals, tolerance):
            self._end("converged", converged_message(k, self._scale_totals, tolerance))
        elif k == end:
            self._end("limit", limit_message(k, tolerance))
        else:
            return None
        return self._ended

    def _one_step(self, end: int, every: int, elapsed_before: float, started: float, last_scale: bool) -> Step | None:
        """Runs one iteration; returns its Step, or None (with :attr:`message` set) if the loop must end."""
        trace = self._summaries is not None and self._summaries.start_trace()
        self._latest_total = None  # the current image's cost: known again only once the step is done
        packed, before, after, image_finite, stuck, after_total = self._optimizer.step()
        if trace:
            self._summaries.end_trace()
        k = self.iteration + 1

        total = float(packed[0])
        if not np.all(np.isfinite(packed)):
            bad = next(float(v) for v in packed if not math.isfinite(v))
            if self._last_good is not None:
                self._optimizer.restore(self._last_good)
            self._end("failed", self._non_finite_message("cost", bad, k))
            return None
        self._last_good = before
        if not image_finite:
            self._optimizer.restore(before)
            self._end("failed", self._non_finite_message("image", float("nan"), k))
            return None
        if stuck is not None:  # the optimizer found no lower cost: converged, unless the cost stopped being finite
            if "not finite" in stuck:
                self._end("failed", f"stopped at iteration {self.iteration}: {stuck}")
            else:  # the line searches failed: the picture found is kept
                self._end("converged", f"converged at iteration {self.iteration}: {stuck}.")
            return None

        self.iteration = k
        self._consider_best(total, before)
        if after_total is not None:
            self._consider_best(after_total, after)
        self._latest_scored = after_total is not None
        self._latest_total = after_total
        scale = self._scales[self._scale_index]
        names = list(self.options["style_layers"])
        self._scale_totals.append(total)
        ended = self._ending(k, end, last_scale)
        before_scale = k - len(self._scale_totals)  # iterations done at the coarser scales
        forecast = expected_end(self._scale_totals, self.options["tolerance"], end - before_scale) + before_scale
        step = Step(
            iteration=k,
            iterations=end,
            total=total,
            content=float(packed[1]),
            style=float(packed[2]),
            style_by_layer={name: float(v) for name, v in zip(names, packed[4:])},
            tv=float(packed[3]),
            elapsed=elapsed_before + time.perf_counter() - started,
            scale=scale.factor,
            size=scale.size,
            expected_end=(k if ended else forecast) if last_scale else end,
            ended=ended,
            _image=lambda: self._rgb(after, scale),
            _activations=lambda layers: self.activations(layers, after),
            _saved_total=lambda: self._saved_total_at(before, scale),
        )
        self.history.append(step)
        if self._summaries is not None:
            self._summaries.write(step, every, end)
        return step

    @property
    def stopped(self) -> bool:
        """True if the last run ended before its planned last iteration, not converged (stop, Ctrl-C, failure)."""
        return self._ended in ("stopped", "interrupted", "failed")

    @property
    def message(self) -> str | None:
        """Why the last run ended, in a sentence (``None`` before any run, and while one goes on)."""
        return self._message

    @property
    def ended(self) -> str | None:
        """Why the last run ended, in one word (:data:`nst_teach.history.ENDINGS`); ``None`` before any run."""
        return self._ended

    def result(self) -> Result:
        """A :class:`Result` of everything so far (what :meth:`run` returns)."""
        scale = self._scales[self._scale_index]
        image = self.image()
        self._score_latest()
        best = self._rgb(self._best[1], scale) if self._best is not None else image
        total = self._latest_total if self._latest_total is not None else self.total()
        return Result(
            total=total,
            saved_total=self.saved_total(),
            image=image,
            best_image=best,
            history=self.history.copy(),
            stopped=self.stopped,
            message=self._message,
            precision=self.precision,
            weights=self.weights,
            iterations_done=self.iteration,
            ended=self._ended,
            recipe=self.recipe,
        )

    def run(
        self,
        iterations: int | None = None,
        every: int = SAVE_EVERY,
        callback: Callable[[Step], Any] | None = None,
    ) -> Result:
        """Runs :meth:`steps` to the end and returns a :class:`Result`.

        Args:
            iterations: how many iterations; default :attr:`iterations` (500).
            every: call ``callback`` every this many iterations (and at the last one);
                with ``log_dir``, also the interval of image snapshots.
            callback: ``callback(step)``, e.g. to print the costs or show the image.

        Returns:
            The :class:`Result`.  Ctrl-C (KeyboardInterrupt) — in the loop or in the
            callback — does not lose the work: the Result so far comes back with
            ``stopped=True``.

        Introduced in ``notebooks/05_style_transfer_live.ipynb``.
        """
        if callback is not None and not callable(callback):
            raise OptionError(f"callback must be a function of one Step, got {type(callback).__name__}.")
        generator = self.steps(iterations, every=every)
        last, reported = None, False
        try:
            for step in generator:
                last, reported = step, False
                if callback is not None and (step.iteration % every == 0 or step.ended is not None):
                    callback(step)
                    reported = True
            if callback is not None and last is not None and not reported:  # ended early: show the final state
                callback(last)
        except KeyboardInterrupt:
            kept = "the image so far is kept"
            self._end("interrupted", f"interrupted (KeyboardInterrupt) at iteration {self.iteration}; {kept}.")
        finally:
            generator.close()
        return self.result()

    @property
    def recipe(self) -> str:
        """What this run is, in one sentence: the reference recipe, or what it changes from it
        (:func:`nst_teach.recipe.describe`; every run the course shows prints it)."""
        return describe({**self.options, "precision": self.precision}, self._scale_plan[-1][1])

    def __repr__(self) -> str:
        settings = self.options
        yours = f", your functions={list(self.functions.given)}" if self.functions.given else ""
        return (
            f"StyleTransfer(size={self.size}, optimizer={settings['optimizer']!r}, learning_rate="
            f"{settings['learning_rate']:g}, precision={self.precision!r}, iteration={self.iteration}{yours})"
        )


if StyleTransfer.__doc__:  # (None under python -OO)
    StyleTransfer.__doc__ = StyleTransfer.__doc__.replace("{options}", option_docs(indent=12).lstrip())
