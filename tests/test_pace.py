"""The pace of a run: multiply-adds counted by hand, the time model's arithmetic, the sizes that fit,
the course's settings built on them, and a prediction checked against a run timed on this machine."""

from __future__ import annotations

import statistics
import time

import pytest

from nst_teach import course, pace
from nst_teach.pace import COURSE, SIZES, Pace, fitted_sizes, multiply_adds

#: A made-up machine: 20 ms per evaluation plus 25 ms per 10⁹ multiply-adds, 1 s of set-up.
FAKE = Pace("float32", "a test CPU", "random", overhead_s=0.02, seconds_per_gmac=0.025, setup_s=1.0)


def test_multiply_adds_are_counted_layer_by_layer():
    # block1: two 3×3 convolutions at full size (3 -> 64, 64 -> 64); block2_conv1 at half size (64 -> 128).
    w, h = 400, 300
    block1 = 9 * 3 * 64 * w * h + 9 * 64 * 64 * w * h
    assert multiply_adds((w, h), "block1_conv1") == 9 * 3 * 64 * w * h
    assert multiply_adds((w, h), "block1_conv2") == block1
    assert multiply_adds((w, h), "block1_pool") == block1  # a pool adds no multiply-adds
    assert multiply_adds((w, h), "block2_conv1") == block1 + 9 * 64 * 128 * (w // 2) * (h // 2)
    # An odd side: the reference recipe's SAME average pools round up (75 -> 38), Keras' max pools down (75 -> 37).
    odd = multiply_adds((100, 75), "block2_conv1") - multiply_adds((100, 75), "block1_pool")
    assert odd == 9 * 64 * 128 * 50 * 38
    assert multiply_adds((100, 75), "block2_conv1", pooling="max") - multiply_adds((100, 75), "block1_pool") == (
        9 * 64 * 128 * 50 * 37
    )
    assert multiply_adds((400, 300)) > multiply_adds((400, 300), "block4_conv2")  # block5_conv1 is deeper


def test_run_time_is_set_up_plus_evaluations():
    size = (200, 150)
    evaluation = 0.02 + 0.025 * multiply_adds(size) / 1e9
    assert FAKE.evaluation_s(size) == pytest.approx(evaluation)
    # Four forward passes besides the iterations (targets, result), a third of an evaluation each.
    assert FAKE.run_s(size, 100, optimizer="adam") == pytest.approx(1.0 + evaluation * (4 / 3 + 100))
    assert FAKE.run_s(size, 100) == pytest.approx(1.0 + evaluation * (4 / 3 + 100 * 1.05))  # L-BFGS' line search
    shallow = 0.02 + 0.025 * multiply_adds(size, "block2_conv2") / 1e9
    both = FAKE.run_s(size, 10, optimizer="adam", deepest=["block5_conv1", "block2_conv2"])
    assert both == pytest.approx(2 * 1.0 + (evaluation + shallow) * (4 / 3 + 10))


def test_fit_takes_the_largest_size_that_fits():
    budget = 30.0
    size = FAKE.fit(budget, 200, runs=2)
    assert size in SIZES
    assert 2 * FAKE.run_s(size, 200) <= budget
    larger = SIZES[SIZES.index(size) - 1]
    assert 2 * FAKE.run_s(larger, 200) > budget
    assert FAKE.fit(1e6, 200) == (400, 300)
    assert FAKE.fit(1e6, 200, largest=(200, 150)) == (200, 150)
    assert FAKE.fit(0.1, 200) == SIZES[-1]  # nothing fits: the smallest


def test_fitted_sizes_fit_the_heaviest_cell():
    sizes = fitted_sizes(FAKE, (("run", 40), ("small", 40)))
    assert sizes["run"] == FAKE.fit(COURSE["run"].budget_s, 40, optimizer="lbfgs")
    for cell in COURSE["small"].cells:  # every heavy cell fits its budget
        assert FAKE.run_s(sizes["small"], 40, deepest=cell) <= COURSE["small"].budget_s
    assert max(w * h for w, h in sizes.values()) <= 400 * 300


def test_forecast_says_how_long_here_and_at_the_full_size():
    line = FAKE.forecast((96, 72), 500, full_size=(400, 300), optimizer="adam")
    assert line.startswith(f"this run: ~{FAKE.run_s((96, 72), 500, optimizer='adam'):.0f} s at 96×72")
    assert f"400×300 would take about {FAKE.run_s((400, 300), 500, optimizer='adam') / 60:.0f} min" in line
    assert "nst.course.settings(full_size=True)" in line
    assert FAKE.forecast((200, 150), 60, deepest=["block1_conv2"] * 5).startswith("these 5 runs: ~")
    assert "would take" not in FAKE.forecast((400, 300), 10, full_size=(400, 300))


def test_course_settings_quick_mode_times_nothing(monkeypatch):
    monkeypatch.setenv("NST_TEACH_QUICK", "1")
    monkeypatch.setattr(course.modes, "measure", lambda: pytest.fail("quick mode must not time the machine"))
    s = course.settings()
    assert (s.run_size, s.small_size, s.first_size) == ((64, 48), (48, 36), (48, 36))
    assert s.pace is None
    assert s.forecast("run") == "quick mode: 1 run(s) of 6 iterations at 64×48"
    assert s.forecast("reference", done=3) == "quick mode: 3 Adam iterations at 64×48"
    assert s.forecast("small", deepest=["block1_conv2"] * 5) == "quick mode: 5 run(s) of 3 iterations at 48×36"


def test_course_settings_fit_the_machine_or_keep_the_seeds_sizes(monkeypatch):
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    monkeypatch.setattr(course.modes, "measure", lambda: FAKE)
    fitted = course.settings()
    iterations = (("run", fitted.run_iterations), ("small", fitted.small_iterations))
    expected = fitted_sizes(FAKE, iterations)
    assert (fitted.run_size, fitted.small_size) == (expected["run"], expected["small"])
    assert fitted.first_size == (256, 192)  # notebook 00's first painting comes before any timing
    assert fitted.size == (400, 300)  # the pictures looked at keep the reference recipe's size
    assert fitted.forecast("run") == FAKE.forecast(
        expected["run"], fitted.run_iterations, full_size=(400, 300), optimizer="lbfgs", deepest=[pace.DEEPEST]
    )
    full = course.settings(full_size=True)
    assert (full.run_size, full.small_size, full.first_size) == ((400, 300), (200, 150), (256, 192))


#: A slow 2-core CPU without bf16, as the course must serve it: a 2-core AMD EPYC's float32 figures
#: (``nst_teach.pace.measure("float32")`` on a quiet machine, 2026-12-05: 0.0120 s + 0.0222 s per 10⁹ multiply-adds
#: an evaluation, 0.54 s of set-up; its forecasts came within 5 % of timed runs at 200×150 to 400×300), each
#: made 10 % slower.
SLOW_2_CORE_FLOAT32 = Pace(
    "float32", "a slow 2-core CPU", "random", overhead_s=0.0120 * 1.1, seconds_per_gmac=0.0222 * 1.1,
    setup_s=0.536 * 1.1, setup_evaluations=2.42,
)  # fmt: skip


def test_on_a_slow_2_core_float32_cpu_the_course_paints_at_sizes_a_student_can_see(monkeypatch):
    monkeypatch.delenv("NST_TEACH_QUICK", raising=False)
    monkeypatch.setattr(course.modes, "measure", lambda *precision: SLOW_2_CORE_FLOAT32)
    s = course.settings()
    assert s.run_size[0] * s.run_size[1] >= 400 * 300  # notebook 05's painting and its dashboard
    assert s.first_size[0] * s.first_size[1] >= 256 * 192  # notebook 00's first painting
    assert s.small_size[0] * s.small_size[1] >= 200 * 150  # the reconstructions and the experiment grids
    # ...and every such cell within its budget on that CPU.
    assert SLOW_2_CORE_FLOAT32.run_s(s.run_size, s.run_iterations) <= COURSE["run"].budget_s
    for cell in COURSE["small"].cells:
        assert SLOW_2_CORE_FLOAT32.run_s(s.small_size, s.small_iterations, deepest=cell) <= COURSE["small"].budget_s


@pytest.mark.slow
def test_prediction_is_within_30_percent_of_a_timed_run():
    """Quick mode's size, runs of a few seconds, set-up included on both sides, both optimizers; the
    machine may be busy, so each of three tries times the machine afresh, then the runs, and the
    median ratio counts."""
    from nst_teach import StyleTransfer
    from nst_teach.samples import load_sample

    content, style = load_sample("cottage"), load_sample("swirls")
    size = (64, 48)  # quick mode's run_size
    ratios: dict[str, list[float]] = {"lbfgs": [], "adam": []}
    for _ in range(3):
        pace._measure.cache_clear()
        machine = pace.measure()
        for optimizer, found in ratios.items():
            iterations = max(10, round(3.0 / machine.evaluation_s(size)))  # about three seconds of iterations
            predicted = machine.run_s(size, iterations, optimizer=optimizer)
            started = time.perf_counter()
            transfer = StyleTransfer(content, style, size=size, optimizer=optimizer, tolerance=0)
            transfer.run(iterations)
            took = time.perf_counter() - started
            assert transfer.iteration == iterations, transfer.message
            found.append(predicted / took)
    for optimizer, found in ratios.items():
        assert 0.7 <= statistics.median(found) <= 1.3, f"{optimizer}: predicted / measured {found}"
