"""Built-in tasks: sizes, specs, determinism, and references that re-create them."""

import numpy as np
import pytest

from graphnas.tasks import IGNORE, TaskError, TaskRef, get_task, load_task, task_names


def test_names():
    assert {"mnist1d", "digits", "sdigits", "psdigits", "chars", "adding", "copy",
            "diabetes"} <= set(task_names())


def test_mnist1d_uses_the_package_defaults():
    t = get_task("mnist1d")
    assert (len(t.train), len(t.valid), len(t.test)) == (3500, 500, 1000)
    assert t.train.x.shape[1:] == (40, 1) and t.output_spec.size == 10
    # the validation carve-out is seeded: same seed same split, other seed other split
    assert np.array_equal(get_task("mnist1d").valid.y, t.valid.y)
    assert not np.array_equal(get_task("mnist1d", seed=1).valid.x, t.valid.x)


def test_digits_as_images():
    t = get_task("digits")
    assert t.input_spec.layout == "image" and t.train.x.shape[1:] == (1, 8, 8)
    assert len(t.train) + len(t.valid) + len(t.test) == 1797


def test_adding_problem():
    t = get_task("adding", length=30, train=200, valid=50, test=50)
    x, y = t.train.x, t.train.y
    assert x.shape == (200, 30, 2) and (x[:, :, 1].sum(1) == 2).all()
    marked = (x[:, :, 0] * x[:, :, 1]).sum(1)
    assert np.allclose(marked, y[:, 0], atol=1e-6)
    assert abs(((y - 1.0) ** 2).mean() - 1 / 6) < 0.05  # predicting 1.0 gives MSE ~ 0.167


def test_copy_task_counts_only_recall_steps():
    t = get_task("copy", length=4, delay=3, train=20, valid=5, test=5)
    x, y = t.train.x, t.train.y
    assert x.shape == (20, 12) and t.input_spec.vocab == 10
    assert (y[:, :-4] == IGNORE).all() and np.array_equal(y[:, -4:], x[:, :4])


def test_diabetes_is_standardised_regression():
    t = get_task("diabetes")
    assert t.metric == "mse" and abs(t.train.y.mean()) < 1e-5
    assert t.score({"mse": 0.5, "r2": 0.5}) == -0.5


def test_unknown_task_and_option():
    with pytest.raises(TaskError, match="unknown task 'mnist'"):
        get_task("mnist")
    with pytest.raises(TaskError, match="bad option"):
        get_task("adding", lenght=3)


def test_reference_recreates_the_task_once_per_process():
    ref = TaskRef("adding", {"length": 10, "train": 30, "valid": 10, "test": 10})
    a = load_task(ref)
    assert load_task(ref.to_dict()) is a  # cached
    assert np.array_equal(a.train.x, get_task("adding", length=10, train=30, valid=10,
                                              test=10).train.x)


def test_another_fold_redraws_the_validation_split_and_keeps_test():
    task = get_task("digits")
    other = task.refold(1)
    assert len(other.valid) == len(task.valid) and len(other.train) == len(task.train)
    assert other.test is task.test and task.refold(0) is task
    assert not np.array_equal(other.valid.x, task.valid.x)
    pooled = np.concatenate([task.train.y, task.valid.y])
    assert np.array_equal(np.sort(np.concatenate([other.train.y, other.valid.y])),
                          np.sort(pooled))  # the same samples, split otherwise
    again = load_task(other.ref.to_dict())  # a worker makes the same fold from the reference
    assert other.ref.fold == 1 and np.array_equal(again.valid.x, other.valid.x)


def test_a_refit_trains_on_train_and_validation_and_keeps_test():
    task = get_task("digits")
    refit = task.refit()
    assert len(refit.train) == len(task.train) + len(task.valid)
    assert np.array_equal(refit.train.x[len(task.train):], task.valid.x)
    assert refit.valid is task.valid and refit.test is task.test and refit.refit() is refit
    again = load_task(refit.ref.to_dict())  # workers (the baselines) make the same from the ref
    assert again.ref.refit and np.array_equal(again.train.y, refit.train.y)
    with pytest.raises(ValueError, match="before its refit"):
        refit.refold(1)


@pytest.mark.parametrize("name", ["sdigits", "psdigits"])
def test_sequential_digits_read_one_pixel_per_step(name):
    images, t = get_task("digits"), get_task(name)
    assert t.input_spec.layout == "sequence" and t.train.x.shape[1:] == (64, 1)
    assert np.array_equal(t.train.y, images.train.y)  # the split of digits
    pixels = images.train.x.reshape(-1, 64)
    if name == "sdigits":
        assert np.array_equal(t.train.x[:, :, 0], pixels)  # row by row
        return
    order = np.random.default_rng(0).permutation(64)  # one fixed order, seeded
    assert np.array_equal(t.train.x[:, :, 0], pixels[:, order])
    other_split = get_task(name, seed=1)  # the same order on another split
    assert np.array_equal(other_split.test.x[:, :, 0],
                          get_task("digits", seed=1).test.x.reshape(-1, 64)[:, order])
    assert not np.array_equal(get_task(name, permutation=1).train.x, t.train.x)
    assert load_task(t.ref).train.x.tobytes() == t.train.x.tobytes()


def test_chars_is_pythons_documentation_as_a_language_model():
    t = get_task("chars")
    assert t.metric == "bpc" and t.output_spec.causal and t.input_spec.dims == (128,)
    assert 400_000 < 128 * (len(t.train) + 1) / 0.9 < 600_000  # about 465,000 characters
    assert "Python 3." in t.description
    assert load_task(t.ref).valid.y.tobytes() == t.valid.y.tobytes()
    assert get_task("chars", seed=3).test.y.tobytes() == t.test.y.tobytes()  # as train passes
