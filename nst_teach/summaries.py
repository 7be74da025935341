"""What a run writes for TensorBoard (the option ``log_dir``): the costs, snapshots of the image, the step's graph.

``tensorboard --logdir <log_dir>`` shows, every iteration, ``cost/total``, ``cost/content``, ``cost/style``,
``cost/style/<layer>`` and ``cost/tv``; the image every ``every`` iterations (and at the last); and, once,
the graph of the traced training step.  The loop (:class:`nst_teach.engine.StyleTransfer`) calls
:class:`Summaries` around its steps and never reads anything back.

Not a notebook's: ``StyleTransfer(..., log_dir=...)`` and ``nst-teach stylize --log-dir`` use it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import tensorflow as tf

if TYPE_CHECKING:
    from .history import Step

__all__ = ["Summaries"]


class Summaries:
    """The TensorBoard summaries of one run, written into ``log_dir``."""

    def __init__(self, log_dir: str | os.PathLike[str]) -> None:
        self.writer = tf.summary.create_file_writer(os.fspath(log_dir))
        self.graph_written = False

    def start_trace(self) -> bool:
        """Before a step: starts tracing its graph, the first time only; whether it did (then :meth:`end_trace`)."""
        if self.graph_written:
            return False
        tf.summary.trace_on(graph=True, profiler=False)
        return True

    def end_trace(self) -> None:
        """After the traced step: writes its graph (``train_step``)."""
        with self.writer.as_default():
            tf.summary.trace_export(name="train_step", step=0)
        self.graph_written = True

    def write(self, step: Step, every: int, end: int) -> None:
        """One step's costs, and its image every ``every`` iterations and at the last one (``end``)."""
        with self.writer.as_default(step=step.iteration):
            tf.summary.scalar("cost/total", step.total)
            tf.summary.scalar("cost/content", step.content)
            tf.summary.scalar("cost/style", step.style)
            for name, value in step.style_by_layer.items():
                tf.summary.scalar(f"cost/style/{name}", value)
            tf.summary.scalar("cost/tv", step.tv)
            if step.iteration % every == 0 or step.iteration == end:
                tf.summary.image("image", step.image()[None])

    def flush(self) -> None:
        """Writes what is buffered (at the end of every ``steps`` call)."""
        self.writer.flush()
