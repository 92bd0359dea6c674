"""course.data: shapes, labels, seeds, the bundled digits, and the preparation helpers."""

import hashlib
from importlib import resources

import numpy as np
import pytest

from course import data, nn
from course.nn import ShapeError

# Facts about the bundled file, read once by hand from coursekit/data/digits.npz (the test
# part of UCI "Optical Recognition of Handwritten Digits", as in sklearn's load_digits).
DIGIT_COUNTS = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
DIGIT_INK_TOTAL = 561718  # sum of all pixel values 0..16 over the 1797 images
IMAGES_SHA256 = "8f26b2bd9d135c256808f68f14fdabddde6d9c7f869ae419704b051f0f14b3b3"
TARGET_SHA256 = "8ba4f891220f5e4c9c819638d1602d74b83618f167043c6da52a2a247841ddf0"

SYNTHETIC = {  # name -> (call with m examples, number of classes)
    "xor": (lambda m, **kw: data.xor(m, **kw), 2),
    "flower": (lambda m, **kw: data.flower(m, **kw), 2),
    "moons": (lambda m, **kw: data.moons(m, **kw), 2),
    "spirals": (lambda m, **kw: data.spirals(m, **kw), 3),
}


def labels_of(Y):
    Y = np.asarray(Y)
    return Y if Y.ndim == 1 else (Y[0] if Y.shape[0] == 1 else np.argmax(Y, axis=0))


# --------------------------------------------------------------------------- synthetic sets
def test_xor_table_is_the_truth_table():
    X, Y = data.xor_table()
    assert X.shape == (2, 4) and X.dtype == np.float64
    assert Y.shape == (1, 4) and Y.dtype == np.int64
    np.testing.assert_array_equal(Y[0], np.logical_xor(X[0], X[1]).astype(int))
    assert data.xor_table(dtype=np.float32)[0].dtype == np.float32


@pytest.mark.parametrize("name", SYNTHETIC)
@pytest.mark.parametrize("m", [8, 101])
def test_synthetic_shapes_dtypes_labels(name, m):
    make, C = SYNTHETIC[name]
    X, Y = make(m)
    assert X.shape == (2, m) and X.dtype == np.float64
    assert Y.dtype == np.int64
    if C == 2:
        assert Y.shape == (1, m)
    else:
        assert Y.shape == (m,)
    assert set(np.unique(Y)) == set(range(C))
    assert np.all(np.isfinite(X))
    X32, Y32 = make(m, dtype=np.float32)
    assert X32.dtype == np.float32
    np.testing.assert_array_equal(Y32, Y)
    np.testing.assert_allclose(X32, X, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_synthetic_classes_are_balanced(name):
    make, C = SYNTHETIC[name]
    for m in (200, 201, 203):
        counts = np.bincount(labels_of(make(m)[1]), minlength=C)
        assert counts.sum() == m
        assert counts.max() - counts.min() <= 1, (m, counts)


@pytest.mark.parametrize("name", SYNTHETIC)
def test_same_seed_same_data_other_seed_other_data(name):
    make, _ = SYNTHETIC[name]
    X1, Y1 = make(60, seed=3)
    X2, Y2 = make(60, seed=3)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(Y1, Y2)
    X3, _ = make(60, seed=4)
    assert not np.array_equal(X1, X3)
    X4, _ = make(60)  # default seed=0: the same data in every run
    np.testing.assert_array_equal(X4, make(60, seed=0)[0])
    X5, _ = make(60, seed=np.random.default_rng(3))
    np.testing.assert_array_equal(X5, X1)


def test_examples_come_shuffled():
    _, Y = data.flower(400)
    assert 0 < Y[0, :200].mean() < 1  # not all of class 0 first


def test_spirals_one_hot():
    X, Y = data.spirals(90, classes=4, one_hot=True)
    assert Y.shape == (4, 90) and Y.dtype == np.float64
    np.testing.assert_array_equal(Y.sum(axis=0), 1)
    np.testing.assert_array_equal(labels_of(Y), data.spirals(90, classes=4)[1])
    assert data.spirals(90, one_hot=True, dtype=np.float32)[1].dtype == np.float32


def test_xor_without_noise_is_the_four_corners():
    X, Y = data.xor(8, noise=0)
    corners = {tuple(c) for c in X.T}
    assert corners == {(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)}
    np.testing.assert_array_equal(Y[0], (X[0] != X[1]).astype(int))


def test_flower_is_not_linearly_separable_but_learnable():
    X, Y = data.flower()
    linear = nn.NeuralNetwork([2, 1], "relu", "sigmoid", seed=0)
    linear.fit(X, Y, learning_rate=0.5, epochs=300)
    hidden = nn.NeuralNetwork([2, 16, 1], "tanh", "sigmoid", init="xavier", seed=0)
    hidden.fit(X, Y, learning_rate=1.0, epochs=800)
    assert linear.accuracy(X, Y) < 0.65
    assert hidden.accuracy(X, Y) > 0.85


@pytest.mark.parametrize(
    "call, name",
    [
        (lambda: data.xor(3), "m"),
        (lambda: data.xor(2.5), "m"),
        (lambda: data.xor(True), "m"),
        (lambda: data.xor(noise=-0.1), "noise"),
        (lambda: data.xor(noise=float("nan")), "noise"),
        (lambda: data.flower(1), "m"),
        (lambda: data.flower(petals=6), "petals"),
        (lambda: data.flower(radius=-1), "radius"),
        (lambda: data.moons(seed="zero"), "seed"),
        (lambda: data.moons(seed=-1), "seed"),
        (lambda: data.moons(dtype=np.int32), "dtype"),
        (lambda: data.moons(dtype="not a dtype"), "dtype"),
        (lambda: data.spirals(classes=1), "classes"),
        (lambda: data.spirals(m=2, classes=3), "m"),
    ],
)
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises((TypeError, ValueError)) as exc:
        call()
    assert str(exc.value).startswith(name), str(exc.value)


# --------------------------------------------------------------------------- digits
def test_digits_file_facts():
    X, y = data.digits()
    assert X.shape == (64, 1797) and X.dtype == np.float64
    assert y.shape == (1797,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == DIGIT_COUNTS
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_array_equal(X * 16, np.round(X * 16))  # integers 0..16, divided by 16
    assert int(round(float((X * 16).sum()))) == DIGIT_INK_TOTAL


def test_digits_file_is_the_bundled_one():
    ref = resources.files("coursekit.data").joinpath("digits.npz")
    with ref.open("rb") as fh, np.load(fh, allow_pickle=False) as z:
        images, target = z["images"], z["target"]
    assert images.shape == (1797, 64) and images.dtype == np.uint8
    X, y = data.digits()
    np.testing.assert_array_equal(X.T * 16, images)
    np.testing.assert_array_equal(y, target)
    # pinned digests: any edit of the bundled data must be deliberate
    assert hashlib.sha256(images.tobytes()).hexdigest() == IMAGES_SHA256
    assert hashlib.sha256(target.tobytes()).hexdigest() == TARGET_SHA256


def test_to_images_inverts_the_columns():
    X, y = data.digits()
    images = data.to_images(X[:, :5])
    assert images.shape == (5, 8, 8)
    np.testing.assert_array_equal(images[2].ravel(), X[:, 2])  # pixel (i, j) is row 8 i + j
    assert data.to_images(X[:, 0]).shape == (8, 8)
    zero = data.to_images(X[:, y == 0][:, 0])
    assert zero[3:5, 3:5].mean() < zero[:, 1:3].mean()  # a 0 has a hole in the middle
    with pytest.raises(ValueError, match="X must have shape"):
        data.to_images(np.zeros((63, 2)))


def test_digits_is_read_only_cached_but_results_are_fresh():
    X1, y1 = data.digits()
    X1[:] = 0
    y1[:] = 0
    X2, y2 = data.digits()
    assert X2.max() == 1.0 and np.bincount(y2).tolist() == DIGIT_COUNTS


def test_digits_subsets_and_one_hot():
    X, Y = data.digits(classes=(0, 1))
    assert X.shape == (64, 360) and Y.shape == (1, 360) and Y.dtype == np.int64
    assert Y.sum() == DIGIT_COUNTS[1]
    X, y = data.digits(classes=(3, 5, 8))
    assert y.shape == (X.shape[1],)
    assert np.bincount(y).tolist() == [DIGIT_COUNTS[3], DIGIT_COUNTS[5], DIGIT_COUNTS[8]]
    _, Y = data.digits(one_hot=True, dtype=np.float32)
    assert Y.shape == (10, 1797) and Y.dtype == np.float32
    assert Y.sum(axis=1).tolist() == DIGIT_COUNTS
    assert data.digits(dtype=np.float32)[0].dtype == np.float32
    _, Y2 = data.digits(classes=(7, 2), one_hot=True)
    assert Y2.shape == (2, DIGIT_COUNTS[7] + DIGIT_COUNTS[2])
    assert Y2[0].sum() == DIGIT_COUNTS[7]  # label 0 is the first class listed


@pytest.mark.parametrize("classes", [(1,), (1, 1), (0, 10), (0, -1), "01", 3, (0, 1.5)])
def test_digits_bad_classes(classes):
    with pytest.raises((TypeError, ValueError), match="^classes"):
        data.digits(classes=classes)


# --------------------------------------------------------------------------- train_test_split
def test_split_partitions_every_example_exactly_once():
    m = 50
    X = np.arange(3 * m, dtype=float).reshape(3, m)
    Y = np.arange(m)
    Xtr, Xte, Ytr, Yte = data.train_test_split(X, Y, test_size=0.3, seed=1)
    assert Xtr.shape == (3, 35) and Xte.shape == (3, 15)
    assert sorted(np.concatenate([Ytr, Yte]).tolist()) == list(range(m))
    np.testing.assert_array_equal(Xtr, X[:, Ytr])  # columns stay with their labels
    np.testing.assert_array_equal(Xte, X[:, Yte])


def test_split_sizes_seed_and_label_shapes():
    X, Y = data.moons(100)
    assert data.train_test_split(X, Y, test_size=0.25)[1].shape == (2, 25)
    assert data.train_test_split(X, Y, test_size=7)[1].shape == (2, 7)
    assert data.train_test_split(X, Y, test_size=0.001)[1].shape == (2, 1)  # never empty
    a = data.train_test_split(X, Y, seed=5)
    b = data.train_test_split(X, Y, seed=5)
    c = data.train_test_split(X, Y, seed=6)
    for u, v in zip(a, b, strict=True):
        np.testing.assert_array_equal(u, v)
    assert not np.array_equal(a[1], c[1])
    Ytr, Yte = a[2], a[3]
    assert Ytr.shape == (1, 80) and Yte.shape == (1, 20)
    _, _, Ytr, Yte = data.train_test_split(*data.spirals(60, one_hot=True), test_size=0.5)
    assert Ytr.shape == (3, 30) and Yte.shape == (3, 30)


@pytest.mark.parametrize("test_size", [0.2, 0.25, 0.5, 101])
def test_stratified_split_keeps_proportions(test_size):
    X, y = data.digits()
    m = y.size
    Xtr, Xte, ytr, yte = data.train_test_split(X, y, test_size=test_size, stratify=True)
    plain = data.train_test_split(X, y, test_size=test_size)[1].shape[1]
    assert yte.size == plain  # the same test-set size as without stratify
    assert ytr.size + yte.size == m
    counts = np.array(DIGIT_COUNTS)
    share = yte.size * counts / m
    assert np.all(np.abs(np.bincount(yte, minlength=10) - share) < 1)
    np.testing.assert_array_equal(np.bincount(ytr, minlength=10) + np.bincount(yte), counts)
    assert Xtr.shape == (64, ytr.size) and Xte.shape == (64, yte.size)


def test_stratified_split_with_binary_row_and_one_hot():
    X, Y = data.flower(101)
    _, _, Ytr, Yte = data.train_test_split(X, Y, test_size=0.2, stratify=True)
    assert Ytr.shape[0] == 1 and abs(Yte.mean() - Y.mean()) < 0.05
    X, Y = data.spirals(90, one_hot=True)
    _, _, _, Yte = data.train_test_split(X, Y, test_size=30, stratify=True)
    np.testing.assert_array_equal(Yte.sum(axis=1), [10, 10, 10])


@pytest.mark.parametrize(
    "kwargs, name",
    [({"test_size": 0}, "test_size"), ({"test_size": 1.0}, "test_size"),
     ({"test_size": 10}, "test_size"), ({"test_size": "0.2"}, "test_size"),
     ({"test_size": True}, "test_size"), ({"seed": "x"}, "seed")],
)
def test_split_bad_arguments(kwargs, name):
    X, Y = np.zeros((2, 10)), np.arange(10)
    with pytest.raises((TypeError, ValueError)) as exc:
        data.train_test_split(X, Y, **kwargs)
    assert str(exc.value).startswith(name), str(exc.value)


def test_split_shape_errors_name_the_array():
    with pytest.raises(ShapeError, match="^X must be a 2-D array"):
        data.train_test_split(np.zeros(10), np.arange(10))
    with pytest.raises(ShapeError, match="^Y must have shape"):
        data.train_test_split(np.zeros((2, 10)), np.arange(9))
    with pytest.raises(ValueError, match="at least 2 examples"):
        data.train_test_split(np.zeros((2, 1)), np.arange(1))


# --------------------------------------------------------------------------- standardize
def test_standardize_gives_zero_mean_unit_std_and_reuses_stats():
    rng = np.random.default_rng(0)
    X = rng.normal(5.0, 3.0, size=(4, 200))
    before = X.copy()
    Xs, mu, sigma = data.standardize(X)
    np.testing.assert_array_equal(X, before)  # no in-place work
    assert mu.shape == (4, 1) and sigma.shape == (4, 1)
    np.testing.assert_allclose(Xs.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(Xs.std(axis=1), 1, rtol=1e-12)
    X2 = rng.normal(5.0, 3.0, size=(4, 30))
    X2s, mu2, sigma2 = data.standardize(X2, mu, sigma)
    np.testing.assert_allclose(X2s, (X2 - mu) / sigma)  # the training statistics
    assert mu2 is not None and np.array_equal(mu2, mu) and np.array_equal(sigma2, sigma)


def test_standardize_constant_feature_and_dtypes():
    X, _ = data.digits()
    Xs, mu, sigma = data.standardize(X)
    blank = X.std(axis=1) == 0  # pixels that are always blank
    assert blank.any()
    np.testing.assert_array_equal(sigma[blank], 1)
    np.testing.assert_array_equal(Xs[blank], 0)
    assert np.all(np.isfinite(Xs))
    assert data.standardize(X.astype(np.float32))[0].dtype == np.float32
    assert data.standardize(np.arange(6).reshape(2, 3))[0].dtype == np.float64


def test_standardize_bad_arguments():
    X = np.ones((3, 5))
    with pytest.raises(ValueError, match="mean and std"):
        data.standardize(X, mean=np.zeros((3, 1)))
    with pytest.raises(ShapeError, match="^std must have shape"):
        data.standardize(X, np.zeros((3, 1)), np.ones((1, 3)))
    with pytest.raises(ValueError, match="^std must be positive"):
        data.standardize(X, np.zeros((3, 1)), np.zeros((3, 1)))
    with pytest.raises(ShapeError, match="^X must be a 2-D array"):
        data.standardize(np.ones(5))
    with pytest.raises(TypeError, match="^X must be a numeric array"):
        data.standardize(np.array([["a", "b"]]))
    with pytest.raises(ValueError, match="no columns"):
        data.standardize(np.ones((3, 0)))


# --------------------------------------------------------------------------- minibatches
@pytest.mark.parametrize("batch_size", [1, 7, 64, 100, 500])
def test_minibatches_cover_every_example_once(batch_size):
    m = 100
    X = np.arange(2 * m, dtype=float).reshape(2, m)
    Y = np.arange(m)
    batches = list(data.minibatches(X, Y, batch_size=batch_size, seed=2))
    assert len(batches) == -(-m // batch_size)
    sizes = [b[1].size for b in batches]
    assert all(s == min(batch_size, m) for s in sizes[:-1])
    assert sum(sizes) == m
    seen = np.concatenate([b[1] for b in batches])
    assert sorted(seen.tolist()) == list(range(m))
    for Xb, Yb in batches:
        np.testing.assert_array_equal(Xb, X[:, Yb])


def test_minibatches_shuffle_seed_and_shapes():
    X, Y = data.moons(50)
    first = [Yb for _, Yb in data.minibatches(X, Y, batch_size=16, seed=1)]
    again = [Yb for _, Yb in data.minibatches(X, Y, batch_size=16, seed=1)]
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert first[0].shape == (1, 16)
    ordered = [Xb for Xb, _ in data.minibatches(X, Y, batch_size=16, shuffle=False)]
    np.testing.assert_array_equal(ordered[0], X[:, :16])
    np.testing.assert_array_equal(np.concatenate(ordered, axis=1), X)


def test_minibatches_check_arguments_at_the_call():
    X, Y = np.zeros((2, 10)), np.arange(10)
    for bad in (0, -3, 2.5, True):
        with pytest.raises((TypeError, ValueError), match="^batch_size"):
            data.minibatches(X, Y, batch_size=bad)
    with pytest.raises(ShapeError, match="^Y must have shape"):
        data.minibatches(X, np.arange(11))


def test_one_hot_is_the_engines():
    assert data.one_hot is nn.one_hot
    np.testing.assert_array_equal(data.one_hot(np.array([2, 0]), 3), [[0, 1], [0, 0], [1, 0]])
