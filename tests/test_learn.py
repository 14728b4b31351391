"""Learning: shipped data and weights reproduce their accuracy, the loss and the optimizers against
finite differences and PyTorch, the training loop's stops, saving and loading, the shapes generator."""

from __future__ import annotations

import numpy as np
import pytest
from finite_differences import numeric_grad

from visualizer import founding_image, founding_specs
from visualizer.learn import (
    SGD,
    SHAPES_CLASSES,
    Adam,
    Dataset,
    accuracy,
    confusion_matrix,
    digits_specs,
    load_dataset,
    load_model,
    load_trained,
    make_shapes,
    new_model,
    save_model,
    softmax_cross_entropy,
    train,
)
from visualizer.network import LayerSpec, StackError

# What assets/train_networks.py printed when it made the shipped weights (and assets/README.md reports).
REPORTED_ACCURACY = {"shapes": 0.9722, "digits": 0.9749}
FOUNDING_SHAPES = [(5, 5, 1), (3, 3, 15), (3, 3, 15), (3, 3, 10), (1, 1, 6)]




# --- shipped data and weights ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["shapes", "digits"])
def test_shipped_weights_reproduce_the_reported_held_out_accuracy(name):
    model = load_trained(name)
    data = load_dataset(name)
    _, test = data.split(model.meta["test_fraction"], seed=model.meta["split_seed"])
    assert len(test) == model.meta["n_test"]
    acc = accuracy(model, test)
    assert acc >= REPORTED_ACCURACY[name] >= 0.95
    assert acc == model.meta["test_accuracy"]


def test_shipped_data_sets_have_the_documented_shapes_and_classes():
    shapes, digits = load_dataset("shapes"), load_dataset("digits")
    assert shapes.images.shape == (9000, 5, 5, 1) and shapes.class_names == SHAPES_CLASSES
    assert set(np.unique(shapes.images)) == {0.0, 1.0}
    assert np.bincount(shapes.labels).tolist() == [1500] * 6
    assert digits.images.shape == (1797, 8, 8, 1) and digits.class_names == [str(d) for d in range(10)]
    assert digits.images.min() == 0.0 and digits.images.max() == 1.0
    assert np.bincount(digits.labels).min() >= 170


def test_shipped_shapes_are_what_the_generator_makes():
    made = make_shapes(1500, seed=0, noise=0.03)
    shipped = load_dataset("shapes")
    np.testing.assert_array_equal(made.images, shipped.images)
    np.testing.assert_array_equal(made.labels, shipped.labels)


def test_the_trained_chain_labels_the_founding_image_a_chevron():
    model = load_trained("shapes")
    probs = model.predict_proba(founding_image())
    assert model.class_names[int(probs.argmax())] == ">"
    assert probs.max() > 0.9


def test_unknown_names_are_refused():
    with pytest.raises(ValueError, match="shapes, digits"):
        load_dataset("mnist")
    with pytest.raises(ValueError, match="shapes, digits"):
        load_trained("cifar")


# --- the model -----------------------------------------------------------------------------------


def test_founding_chain_stages_have_the_founding_shapes():
    model = load_trained("shapes")
    stages = model.stages(founding_image())
    assert [s.tensor.shape for s in stages] == FOUNDING_SHAPES
    assert [s.label for s in stages] == ["input", "15 x [3x3x1]", "ReLU", "10 x [1x1x15]", "6 x [3x3x10]"]
    np.testing.assert_allclose(stages[-1].tensor.ravel(), model.forward(founding_image()[None])[0], atol=1e-12)
    np.testing.assert_array_equal(stages[1].layer.filters, model.params[0]["filters"])


def test_predict_proba_rows_are_probabilities():
    model = load_trained("digits")
    probs = model.predict_proba(load_dataset("digits").images[:20])
    assert probs.shape == (20, 10)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    assert (probs >= 0).all()


def test_a_model_must_end_in_one_score_per_class():
    with pytest.raises(StackError, match="1x1x6"):
        new_model(founding_specs()[:2], (5, 5, 1), SHAPES_CLASSES, seed=0)
    with pytest.raises(StackError, match="1x1x3"):
        new_model(founding_specs(), (5, 5, 1), ["a", "b", "c"], seed=0)


def test_images_of_the_wrong_shape_are_refused_with_the_expected_shape():
    with pytest.raises(ValueError, match=r"\(8, 8, 1\)"):
        load_trained("digits").predict_proba(np.zeros((5, 5, 1)))


def test_model_gradient_matches_finite_differences_through_every_kind():
    specs = [
        LayerSpec("conv", n_filters=3, kernel=3, padding=1),
        LayerSpec("activation", activation="tanh"),
        LayerSpec("pool", pool_size=2, pool_mode="max"),
        LayerSpec("conv", n_filters=2, kernel=1),
        LayerSpec("activation", activation="sigmoid"),
        LayerSpec("pool", pool_size=2, pool_mode="avg"),
        LayerSpec("conv", n_filters=4, kernel=2, stride=2),
    ]
    model = new_model(specs, (8, 8, 1), list("abcd"), seed=3)
    rng = np.random.default_rng(4)
    for params in model.params:
        if "bias" in params:
            params["bias"][:] = rng.standard_normal(params["bias"].shape) * 0.1
    x, labels = rng.standard_normal((3, 8, 8, 1)), np.array([0, 3, 1])
    caches: list = []
    _, grad_logits = softmax_cross_entropy(model.forward(x, caches), labels)
    grads = model.backward(caches, grad_logits)
    for params, layer_grads in zip(model.params, grads, strict=True):
        for name, value in params.items():
            numeric = numeric_grad(lambda: softmax_cross_entropy(model.forward(x), labels)[0], value)
            np.testing.assert_allclose(layer_grads[name], numeric, rtol=1e-5, atol=1e-8)


# --- the loss and the optimizers -------------------------------------------------------------------


def test_softmax_cross_entropy_matches_finite_differences_and_torch():
    rng = np.random.default_rng(0)
    logits, labels = rng.standard_normal((5, 4)) * 3, np.array([0, 3, 1, 1, 2])
    loss, grad = softmax_cross_entropy(logits, labels)
    np.testing.assert_allclose(grad, numeric_grad(lambda: softmax_cross_entropy(logits, labels)[0], logits),
                               rtol=1e-6, atol=1e-9)
    expected = -np.mean([logits[i, k] - np.log(np.exp(logits[i]).sum()) for i, k in enumerate(labels)])
    assert loss == pytest.approx(expected, abs=1e-12)
    torch = pytest.importorskip("torch")
    t = torch.tensor(logits, requires_grad=True)
    torch.nn.functional.cross_entropy(t, torch.tensor(labels)).backward()
    np.testing.assert_allclose(grad, t.grad.numpy(), rtol=0, atol=1e-12)


def test_softmax_cross_entropy_is_finite_for_huge_scores():
    loss, grad = softmax_cross_entropy(np.array([[1000.0, -1000.0], [0.0, 800.0]]), np.array([0, 0]))
    assert loss == pytest.approx(400.0)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("name", ["sgd", "adam"])
def test_optimizers_take_the_same_steps_as_torch(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1)
    w0, b0 = rng.standard_normal((3, 2, 2, 1)), rng.standard_normal(3)
    targets = rng.standard_normal((3, 2, 2, 1))
    ours = [{"filters": w0.copy(), "bias": b0.copy()}]
    tw, tb = torch.tensor(w0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    if name == "sgd":
        step, reference = SGD(lr=0.1, momentum=0.9), torch.optim.SGD([tw, tb], lr=0.1, momentum=0.9)
    else:
        step, reference = Adam(lr=0.05), torch.optim.Adam([tw, tb], lr=0.05, betas=(0.9, 0.999), eps=1e-8)
    for _ in range(5):
        p = ours[0]
        step.step(ours, [{"filters": 2 * (p["filters"] - targets) * p["bias"][:, None, None, None] ** 2,
                          "bias": 2 * p["bias"] * ((p["filters"] - targets) ** 2).sum(axis=(1, 2, 3))}])
        reference.zero_grad()
        (((tw - torch.tensor(targets)) ** 2) * tb[:, None, None, None] ** 2).sum().backward()
        reference.step()
    np.testing.assert_allclose(ours[0]["filters"], tw.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours[0]["bias"], tb.detach().numpy(), rtol=1e-10, atol=1e-12)


# --- training ----------------------------------------------------------------------------------------


def tiny_shapes() -> tuple[Dataset, Dataset]:
    return make_shapes(20, seed=5, noise=0.0).split(0.25, seed=0)


def test_training_on_a_tiny_subset_reduces_the_loss():
    train_set, test_set = tiny_shapes()
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    before = softmax_cross_entropy(model.forward(train_set.images), train_set.labels)[0]
    reports = train(model, train_set, test_set, epochs=3, batch_size=16, lr=0.01)
    after = softmax_cross_entropy(model.forward(train_set.images), train_set.labels)[0]
    assert len(reports) == 3 and [r.epoch for r in reports] == [1, 2, 3]
    assert after < 0.8 * before
    assert reports[-1].train_acc == accuracy(model, train_set)
    assert reports[-1].test_acc == accuracy(model, test_set)


def test_training_is_reproducible_from_its_seeds():
    train_set, test_set = tiny_shapes()
    a = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=2)
    b = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=2)
    train(a, train_set, test_set, epochs=2, seed=7, optimizer="sgd", lr=0.05)
    train(b, train_set, test_set, epochs=2, seed=7, optimizer="sgd", lr=0.05)
    for pa, pb in zip(a.params, b.params, strict=True):
        for name in pa:
            np.testing.assert_array_equal(pa[name], pb[name])


def test_on_epoch_returning_false_stops_training():
    train_set, test_set = tiny_shapes()
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    seen = []

    def on_epoch(report, m):
        seen.append(report.epoch)
        assert m is model
        return report.epoch < 2

    reports = train(model, train_set, test_set, epochs=10, on_epoch=on_epoch)
    assert seen == [1, 2] and len(reports) == 2


def test_time_limit_stops_training_after_the_batch_that_crosses_it():
    train_set, test_set = tiny_shapes()
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    first = [p["filters"].copy() for p in model.params if p]
    reports = train(model, train_set, test_set, epochs=1000, batch_size=4, time_limit_s=0.0)
    assert len(reports) == 1
    assert any((p["filters"] != f).any() for p, f in zip([p for p in model.params if p], first, strict=True))


def test_unknown_optimizer_and_empty_training_set_are_refused():
    train_set, test_set = tiny_shapes()
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    with pytest.raises(ValueError, match="adam"):
        train(model, train_set, test_set, epochs=1, optimizer="rmsprop")
    with pytest.raises(ValueError, match="empty"):
        train(model, train_set.subset(np.array([], dtype=int)), test_set, epochs=1)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [({"epochs": 0}, "epochs"), ({"epochs": 2.5}, "epochs"), ({"batch_size": 0}, "batch_size"),
     ({"lr": -1.0}, "learning rate"), ({"lr": float("nan")}, "learning rate")],
)
def test_impossible_training_settings_are_refused(kwargs, words):
    train_set, test_set = tiny_shapes()
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    with pytest.raises(ValueError, match=words):
        train(model, train_set, test_set, **{"epochs": 1, **kwargs})


def test_data_the_model_cannot_read_is_refused():
    model = new_model(founding_specs(), (5, 5, 1), SHAPES_CLASSES, seed=0)
    digits = load_dataset("digits")
    with pytest.raises(ValueError, match=r"training images are \(8, 8, 1\)"):
        train(model, digits, digits, epochs=1)
    train_set, test_set = tiny_shapes()
    train_set.labels = train_set.labels + 6
    with pytest.raises(ValueError, match="from 0 to 5"):
        train(model, train_set, test_set, epochs=1)


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    model = load_trained("digits")
    data = load_dataset("digits")
    counts = confusion_matrix(model, data)
    assert counts.shape == (10, 10)
    assert counts.sum(axis=1).tolist() == np.bincount(data.labels).tolist()
    assert np.trace(counts) == round(accuracy(model, data) * len(data))
    predicted = model.predict(data.images)
    assert counts[3, 5] == int(((data.labels == 3) & (predicted == 5)).sum())


# --- saving -----------------------------------------------------------------------------------------


def test_save_and_load_round_trip_is_bit_exact(tmp_path):
    model = load_trained("digits")
    path = tmp_path / "model.npz"
    save_model(model, path)
    again = load_model(path)
    assert again.specs == model.specs == digits_specs()
    assert again.class_names == model.class_names and again.input_shape == (8, 8, 1)
    assert again.meta == model.meta
    for a, b in zip(again.params, model.params, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            assert a[name].dtype == b[name].dtype
            np.testing.assert_array_equal(a[name], b[name])
    with np.load(path, allow_pickle=False) as data:  # no pickle inside
        assert "header" in data.files


def test_a_file_with_weights_of_the_wrong_shape_is_refused(tmp_path):
    model = load_trained("shapes")
    model.params[0]["filters"] = model.params[0]["filters"][:, :2]
    save_model(model, tmp_path / "bad.npz")
    with pytest.raises(StackError, match="Layer 1"):
        load_model(tmp_path / "bad.npz")


# --- the shapes generator ---------------------------------------------------------------------------


def test_make_shapes_is_seeded_and_balanced():
    a, b = make_shapes(10, seed=3, noise=0.1), make_shapes(10, seed=3, noise=0.1)
    np.testing.assert_array_equal(a.images, b.images)
    assert not np.array_equal(a.images, make_shapes(10, seed=4, noise=0.1).images)
    assert a.images.shape == (60, 5, 5, 1) and np.bincount(a.labels).tolist() == [10] * 6


def test_noise_flips_about_that_fraction_of_pixels():
    clean, noisy = make_shapes(400, seed=1, noise=0.0), make_shapes(400, seed=1, noise=0.1)
    # Same seed, same templates and shifts: the noise is drawn after them.
    flipped = (clean.images != noisy.images).mean()
    assert 0.09 < flipped < 0.11


def test_the_founding_image_is_one_of_the_chevrons():
    chevrons = make_shapes(300, seed=0, noise=0.0)
    founding = founding_image()
    matches = [k for img, k in zip(chevrons.images, chevrons.labels, strict=True) if np.array_equal(img, founding)]
    assert matches and set(matches) == {SHAPES_CLASSES.index(">")}


def test_split_is_stratified_and_disjoint():
    data = make_shapes(50, seed=0, noise=0.05)
    data.images = data.images + np.arange(len(data))[:, None, None, None] * 1e-3  # tell every image apart
    train_set, test_set = data.split(0.2, seed=1)
    assert np.bincount(test_set.labels).tolist() == [10] * 6
    assert len(train_set) + len(test_set) == len(data)
    ids = np.concatenate([train_set.images[:, 0, 0, 0], test_set.images[:, 0, 0, 0]])
    assert len(np.unique(np.round(ids, 6))) == len(data)
