import io

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlbook.training import (
    History,
    Progress,
    binary_accuracy,
    check_output_shape,
    count_correct,
    count_parameters,
    evaluate,
    fit,
    train_epoch,
    train_full_batch,
)


def regression_loaders(n=256, batch_size=32):
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(n, 3, generator=generator)
    true_w = torch.tensor([[2.0], [-3.4], [0.5]])
    y = X @ true_w + 4.2  # (n, 1), noiseless
    dataset = TensorDataset(X, y)
    loader = DataLoader(
        dataset, batch_size=batch_size, shuffle=True, generator=generator
    )
    return loader, DataLoader(dataset, batch_size=n), true_w


def test_fit_recovers_a_known_linear_model():
    torch.manual_seed(0)
    train_loader, test_loader, true_w = regression_loaders()
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    history = fit(
        model,
        train_loader,
        nn.MSELoss(),
        optimizer,
        num_epochs=20,
        test_loader=test_loader,
        progress=False,
    )
    assert history.last["test_loss"] < 1e-6
    torch.testing.assert_close(model.weight.data, true_w.T, atol=1e-3, rtol=0)
    torch.testing.assert_close(model.bias.data, torch.tensor([4.2]), atol=1e-3, rtol=0)
    assert "train_accuracy" not in history.last  # not a classification loss
    assert history["train_loss"][0] > history["train_loss"][-1]


def test_fit_learns_a_separable_classification_problem():
    torch.manual_seed(0)
    X = torch.randn(400, 2)
    y = (X[:, 0] + X[:, 1] > 0).long()
    loader = DataLoader(TensorDataset(X, y), batch_size=50, shuffle=True)
    model = nn.Linear(2, 2)
    history = fit(
        model,
        loader,
        nn.CrossEntropyLoss(),
        torch.optim.SGD(model.parameters(), lr=0.5),
        num_epochs=10,
        test_loader=loader,
        progress=False,
    )
    assert history.last["test_accuracy"] > 0.97
    assert len(history) == 10
    assert history.train_seconds > 0


def test_fit_names_the_split_it_evaluates_and_times_training_alone():
    torch.manual_seed(0)
    loader, valid_loader, _ = regression_loaders(n=64)
    model = nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    history = fit(
        model,
        loader,
        nn.MSELoss(),
        optimizer,
        2,
        valid_loader=valid_loader,
        progress=False,
    )
    assert "valid_loss" in history.last and "test_loss" not in history.last
    # Each epoch's training time leaves its evaluation out.
    assert all(0 < r["train_seconds"] < r["seconds"] for r in history.rows)
    assert history.train_seconds < history.seconds
    with pytest.raises(ValueError, match="not both"):
        fit(
            model,
            loader,
            nn.MSELoss(),
            optimizer,
            1,
            valid_loader=valid_loader,
            test_loader=valid_loader,
            progress=False,
        )


def test_evaluate_averages_over_examples_not_batches():
    # Batches of 3 and 1: the per-example mean differs from the mean of batches.
    X = torch.tensor([[0.0], [0.0], [0.0], [4.0]])
    y = torch.zeros(4, 1)
    model = nn.Identity()
    loader = DataLoader(TensorDataset(X, y), batch_size=3)
    metrics = evaluate(model, loader, nn.MSELoss(), "cpu")
    assert metrics == {"test_loss": pytest.approx(16.0 / 4)}


def test_evaluate_does_not_change_the_model_or_build_a_graph():
    model = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    before = [p.clone() for p in model.parameters()]
    X, y = torch.randn(8, 2), torch.randint(0, 2, (8,))
    loader = DataLoader(TensorDataset(X, y), batch_size=4)
    first = evaluate(model, loader, nn.CrossEntropyLoss(), accuracy=True)
    second = evaluate(model, loader, nn.CrossEntropyLoss(), accuracy=True)
    assert first == second  # eval mode: dropout is off, so it is deterministic
    for p, q in zip(before, model.parameters(), strict=True):
        torch.testing.assert_close(p, q)
        assert q.grad is None


def test_count_correct_multiclass_and_binary():
    logits = torch.tensor([[2.0, 1.0], [0.0, 3.0], [1.0, 0.0]])
    assert count_correct(logits, torch.tensor([0, 1, 1])) == 2
    binary_logits = torch.tensor([0.5, -1.0, 2.0, -0.1])
    assert count_correct(binary_logits, torch.tensor([1.0, 0.0, 0.0, 0.0])) == 3


def test_broadcasting_shape_mismatch_is_refused_with_the_fix():
    with pytest.raises(ValueError, match=r"\(8, 1\).*\(8,\).*output.squeeze\(-1\)"):
        check_output_shape(torch.zeros(8, 1), torch.zeros(8), nn.MSELoss())
    with pytest.raises(ValueError, match=r"y.squeeze\(-1\)"):
        check_output_shape(torch.zeros(8), torch.zeros(8, 1), nn.BCEWithLogitsLoss())


def test_cross_entropy_shape_and_dtype_errors():
    loss_fn = nn.CrossEntropyLoss()
    with pytest.raises(ValueError, match=r"\(batch, classes\)"):
        check_output_shape(torch.zeros(8), torch.zeros(8).long(), loss_fn)
    with pytest.raises(ValueError, match=r"y.long\(\)"):
        check_output_shape(torch.zeros(8, 3), torch.zeros(8), loss_fn)
    check_output_shape(torch.zeros(8, 3), torch.zeros(8).long(), loss_fn)


def test_fit_reports_a_mismatched_model_before_training():
    X, y = torch.randn(16, 4), torch.randn(16)  # targets (16,), model gives (16, 1)
    model = nn.Linear(4, 1)
    before = model.weight.detach().clone()
    loader = DataLoader(TensorDataset(X, y), batch_size=8)
    with pytest.raises(ValueError, match="would broadcast"):
        fit(model, loader, nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=0.1), 1)
    torch.testing.assert_close(model.weight.detach(), before)


def test_batches_must_be_pairs():
    loader = DataLoader(TensorDataset(torch.randn(4, 2)), batch_size=2)
    model = nn.Linear(2, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"pair \(X, y\)"):
        train_epoch(model, loader, nn.MSELoss(), optimizer, torch.device("cpu"))


@pytest.mark.parametrize("bad", [0, -1, 2.0])
def test_num_epochs_must_be_positive_int(bad):
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="num_epochs"):
        fit(model, [], nn.MSELoss(), torch.optim.SGD(model.parameters(), lr=1), bad)


def test_unknown_device_is_refused():
    model = nn.Linear(1, 1)
    with pytest.raises(ValueError, match="unknown device"):
        fit(
            model,
            [],
            nn.MSELoss(),
            torch.optim.SGD(model.parameters(), lr=1),
            1,
            device="gpu",
        )


class FakeTerminal(io.StringIO):
    def isatty(self):
        return True


def test_progress_in_a_notebook_prints_clean_epoch_lines():
    stream = io.StringIO()
    progress = Progress(num_epochs=2, stream=stream)
    progress.batch(1, 1, 10)
    progress.epoch(1, {"train_loss": 0.5, "test_accuracy": 0.875, "seconds": 1.25})
    text = stream.getvalue()
    assert "\r" not in text
    assert text == "epoch 1/2  train loss 0.5000  test accuracy 87.50%  (1.2 s)\n"


def test_progress_on_a_terminal_redraws_one_line():
    stream = FakeTerminal()
    progress = Progress(num_epochs=3, stream=stream)
    progress.batch(2, 5, 10)
    progress.epoch(2, {"train_loss": 1.0, "seconds": 0.5})
    assert stream.getvalue() == (
        "\repoch 2/3  batch 5/10\repoch 2/3  train loss 1.0000  (0.5 s)\n"
    )


def test_fit_prints_one_line_per_epoch_and_a_summary():
    loader, test_loader, _ = regression_loaders(n=64)
    model = nn.Linear(3, 1)
    stream = io.StringIO()
    fit(
        model,
        loader,
        nn.MSELoss(),
        torch.optim.SGD(model.parameters(), lr=0.05),
        3,
        test_loader=test_loader,
        stream=stream,
    )
    lines = stream.getvalue().splitlines()
    assert [line.split()[1] for line in lines[:3]] == ["1/3", "2/3", "3/3"]
    assert lines[3].startswith("3 epochs in ") and "test loss" in lines[3]


def test_history_lookup_errors_name_the_metrics():
    history = History(rows=[{"train_loss": 1.0, "seconds": 0.1}])
    assert history["train_loss"] == [1.0]
    with pytest.raises(KeyError, match="has: train_loss, seconds"):
        history["test_accuracy"]


def test_clip_grad_norm_bounds_every_update():
    # With plain SGD at lr 1, an update is minus the (clipped) gradient, so the
    # size of each parameter change is the norm the gradient was clipped to.
    X = torch.full((4, 3), 100.0)
    loader = [(X, torch.zeros(4, 1))]
    sizes = {}
    for clip in (None, 0.5):
        model = nn.Linear(3, 1)
        nn.init.ones_(model.weight)
        before = torch.cat([p.detach().flatten() for p in model.parameters()])
        train_epoch(
            model,
            loader,
            nn.MSELoss(),
            torch.optim.SGD(model.parameters(), lr=1.0),
            torch.device("cpu"),
            clip_grad_norm=clip,
        )
        after = torch.cat([p.detach().flatten() for p in model.parameters()])
        sizes[clip] = (after - before).norm().item()
    assert sizes[None] > 1000
    assert sizes[0.5] == pytest.approx(0.5, rel=1e-4)


def separable_points(n=200):
    generator = torch.Generator().manual_seed(0)
    X = torch.randn(n, 2, generator=generator)
    y = (X[:, 0] > X[:, 1]).float()  # classes split by the line x1 = x2
    return X, y


def test_train_full_batch_learns_a_separable_problem():
    torch.manual_seed(0)
    X, y = separable_points()
    model = nn.Linear(2, 1)
    with torch.no_grad():
        initial_loss = nn.functional.binary_cross_entropy_with_logits(
            model(X).squeeze(1), y
        ).item()
    losses = train_full_batch(model, X, y, lr=0.1, num_epochs=150)
    assert len(losses) == 150
    # Each loss is measured before its step, so the first is the untrained one.
    assert losses[0] == pytest.approx(initial_loss)
    assert losses[-1] < 0.25 * losses[0]
    assert binary_accuracy(model, X, y) > 0.97


def test_binary_accuracy_counts_positive_logits_as_class_one():
    # (4, 1) logits; a logit of exactly 0 is a probability of one half, class 0.
    logits = torch.tensor([[2.0], [-1.0], [0.5], [0.0]])
    y = torch.tensor([1.0, 0.0, 0.0, 0.0])  # the third point is misclassified
    assert binary_accuracy(nn.Identity(), logits, y) == 0.75
    assert binary_accuracy(nn.Identity(), logits, y.long()) == 0.75
    assert count_correct(logits.squeeze(1), y) / len(y) == 0.75


@pytest.mark.parametrize(
    ("y", "message"),
    [
        (torch.zeros(8, 1), r"shape \(8, 1\).*y.squeeze\(1\)"),
        (torch.zeros(7), r"one label per row of X.*\(7,\).*\(8, 2\)"),
    ],
)
def test_binary_helpers_refuse_labels_that_do_not_match_X(y, message):
    X, model = torch.zeros(8, 2), nn.Linear(2, 1)
    with pytest.raises(ValueError, match=message):
        train_full_batch(model, X, y, lr=0.1, num_epochs=1)
    with pytest.raises(ValueError, match=message):
        binary_accuracy(model, X, y)


@pytest.mark.parametrize("bad", [0, -1, 2.0])
def test_train_full_batch_num_epochs_must_be_positive_int(bad):
    X, y = separable_points(8)
    model = nn.Linear(2, 1)
    before = model.weight.detach().clone()
    with pytest.raises(ValueError, match="num_epochs must be a positive int"):
        train_full_batch(model, X, y, lr=0.1, num_epochs=bad)
    torch.testing.assert_close(model.weight.detach(), before)


def test_train_full_batch_asks_for_float_labels():
    X, y = separable_points(8)
    with pytest.raises(ValueError, match=r"torch.int64.*y.float\(\)"):
        train_full_batch(nn.Linear(2, 1), X, y.long(), lr=0.1, num_epochs=1)


def test_count_parameters_counts_every_scalar_even_without_memory():
    layer = nn.Linear(3, 2)
    layer.bias.requires_grad_(False)  # frozen parameters count too
    assert count_parameters(layer) == 3 * 2 + 2
    assert count_parameters(nn.Linear(1000, 1000, device="meta")) == 1000 * 1000 + 1000
    assert count_parameters(nn.ReLU()) == 0
