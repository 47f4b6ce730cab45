"""The training loop the chapters share: fit, evaluate, and a history of metrics.

The chapter on linear regression writes the loop out by hand; from then on the
chapters call :func:`fit`, which is the same four steps (forward, loss, backward,
update) with the bookkeeping every experiment needs: moving batches to a device,
averaging metrics over an epoch, evaluating on held-out data, timing, and a
progress display that suits both a terminal and an executed book page.

The first chapter's smaller loop, :func:`train_full_batch` with
:func:`binary_accuracy`, lives here too: it fits a binary classifier on a toy
data set small enough to use every point in every step, and later chapters
reuse it for their own toy problems.
"""

import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import torch
from torch import nn

from dlbook.devices import get_device

_CLASS_INDEX_LOSSES = (nn.CrossEntropyLoss, nn.NLLLoss)


class SequenceCrossEntropyLoss(nn.CrossEntropyLoss):
    """Cross-entropy for per-token predictions in batch-first layout.

    Takes logits ``(batch, seq, classes)`` and class indices ``(batch, seq)``,
    the layout sequence models produce, and averages over every token (ignoring
    ``ignore_index``, as ``nn.CrossEntropyLoss`` does).
    """

    def forward(self, output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # (batch, seq, classes) -> (batch * seq, classes)
        # (batch, seq) -> (batch * seq,)
        return super().forward(output.flatten(0, 1), y.flatten())


@dataclass
class History:
    """Metrics of a training run, one row per epoch.

    Rows hold ``train_loss`` and, where computed, ``train_accuracy``, the
    evaluation split's ``valid_loss`` and ``valid_accuracy`` (or ``test_loss``
    and ``test_accuracy``), the wall time of the training pass
    ``train_seconds`` and of the whole epoch, evaluation included, ``seconds``.
    ``history["valid_accuracy"]`` gives one metric across epochs.
    """

    rows: list[dict[str, float]] = field(default_factory=list)
    device: str = "cpu"

    def __getitem__(self, metric: str) -> list[float]:
        if not self.rows or metric not in self.rows[0]:
            known = ", ".join(self.rows[0]) if self.rows else "none yet"
            raise KeyError(f"no metric {metric!r} in this history (has: {known})")
        return [row[metric] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def last(self) -> dict[str, float]:
        """The metrics of the final epoch."""
        return self.rows[-1]

    @property
    def train_seconds(self) -> float:
        """Wall time of the training passes, evaluation left out."""
        return sum(self["train_seconds"])

    @property
    def seconds(self) -> float:
        """Wall time of the epochs, evaluation included."""
        return sum(self["seconds"])

    def summary(self) -> str:
        """A one-line summary of the run, printed when :func:`fit` ends."""
        parts = [
            f"{len(self)} epochs in {self.seconds:.1f} s on {self.device}",
            f"train loss {self.last['train_loss']:.4f}",
        ]
        for key, label in (
            ("valid_loss", "validation loss"),
            ("valid_accuracy", "validation acc"),
            ("test_loss", "test loss"),
            ("test_accuracy", "test acc"),
        ):
            if key in self.last:
                value = self.last[key]
                parts.append(
                    f"{label} {value:.2%}"
                    if "accuracy" in key
                    else f"{label} {value:.4f}"
                )
        return ", ".join(parts)


def count_parameters(model: nn.Module) -> int:
    """The number of scalars in ``model``'s parameters, trainable or frozen.

    Works on the ``meta`` device too, where a layer has shapes but no memory.
    """
    return sum(p.numel() for p in model.parameters())


def check_output_shape(output: torch.Tensor, y: torch.Tensor, loss_fn) -> None:
    """Raise a clear error when a model's output cannot be compared with targets.

    Class-index losses (``CrossEntropyLoss``, ``NLLLoss``) need logits of shape
    ``(batch, classes)`` and integer targets of shape ``(batch,)``. Every other loss
    here needs equal shapes: PyTorch would silently broadcast ``(batch, 1)`` against
    ``(batch,)`` into a ``(batch, batch)`` loss.
    """
    if isinstance(loss_fn, SequenceCrossEntropyLoss):
        if output.ndim != 3 or output.shape[:2] != y.shape:
            raise ValueError(
                "SequenceCrossEntropyLoss needs outputs of shape (batch, seq,"
                " classes) and targets of shape (batch, seq); got outputs"
                f" {tuple(output.shape)} and targets {tuple(y.shape)}"
            )
    elif isinstance(loss_fn, _CLASS_INDEX_LOSSES):
        if output.ndim != 2 or y.ndim != 1 or output.shape[0] != y.shape[0]:
            raise ValueError(
                f"{type(loss_fn).__name__} needs model outputs of shape (batch,"
                f" classes) and class-index targets of shape (batch,); got outputs"
                f" {tuple(output.shape)} and targets {tuple(y.shape)}. Make the"
                " model's last layer nn.Linear(features, num_classes) and keep the"
                " targets as a 1-D tensor of class indices"
            )
        if y.dtype not in (torch.int64, torch.int32, torch.uint8):
            raise ValueError(
                f"{type(loss_fn).__name__} needs integer class indices as targets,"
                f" got dtype {y.dtype}; convert them with y.long()"
            )
    elif output.shape != y.shape:
        hint = ""
        if output.shape == (*y.shape, 1):
            hint = " Squeeze the output (output.squeeze(-1)) or unsqueeze the targets."
        elif y.shape == (*output.shape, 1):
            hint = " Squeeze the targets (y.squeeze(-1)) or unsqueeze the output."
        raise ValueError(
            f"model output shape {tuple(output.shape)} does not match target shape"
            f" {tuple(y.shape)}, so the loss would broadcast them.{hint}"
        )


def _ignored(y: torch.Tensor, loss_fn) -> torch.Tensor | None:
    """Mask of targets a class-index loss ignores (padding), if any."""
    index = getattr(loss_fn, "ignore_index", None)
    if isinstance(loss_fn, _CLASS_INDEX_LOSSES) and index is not None:
        return y == index
    return None


def _num_targets(y: torch.Tensor, loss_fn) -> int:
    ignored = _ignored(y, loss_fn)
    return y.numel() if ignored is None else int((~ignored).sum())


def count_correct(
    output: torch.Tensor, y: torch.Tensor, ignore: torch.Tensor | None = None
) -> int:
    """Correct predictions in a batch: argmax over the last axis when the output
    has one more axis than ``y`` (classes, or tokens x classes), otherwise
    ``logit > 0`` for binary outputs of the same shape as ``y``. Targets where
    ``ignore`` is true (padding) never count."""
    if output.ndim == y.ndim + 1 and output.shape[-1] > 1:
        correct = output.argmax(dim=-1) == y
    else:
        correct = (output > 0).to(y.dtype) == y
    if ignore is not None:
        correct &= ~ignore
    return int(correct.sum())


def _batches(loader: Iterable, device: torch.device):
    for batch in loader:
        if not isinstance(batch, list | tuple) or len(batch) != 2:
            raise ValueError(
                "each batch must be a pair (X, y); wrap tensors in a"
                " torch.utils.data.TensorDataset or return (input, target) from"
                " your Dataset's __getitem__"
            )
        X, y = batch
        # X may be a tuple of tensors (tokens and lengths, say): the model then
        # receives them as separate arguments.
        if isinstance(X, list | tuple):
            X = tuple(x.to(device) for x in X)
        else:
            X = X.to(device)
        yield X, y.to(device)


def _forward(model: nn.Module, X) -> torch.Tensor:
    return model(*X) if isinstance(X, tuple) else model(X)


class Progress:
    """Shows progress within an epoch on a terminal, and one line per epoch.

    On a terminal (``stream.isatty()``) a line is redrawn with ``\\r`` as batches
    finish. In an executed notebook or a log file only the finished epoch lines are
    printed, so the rendered page shows a clean table rather than control codes.
    """

    def __init__(self, num_epochs: int, stream=None, enabled: bool = True):
        self.num_epochs = num_epochs
        self.stream = stream if stream is not None else sys.stdout
        self.enabled = enabled
        isatty = getattr(self.stream, "isatty", None)
        self.live = enabled and bool(isatty and isatty())

    def batch(self, epoch: int, done: int, total: int | None) -> None:
        if not self.live:
            return
        of = f"/{total}" if total else ""
        self.stream.write(f"\repoch {epoch}/{self.num_epochs}  batch {done}{of}")
        self.stream.flush()

    def epoch(self, epoch: int, row: dict[str, float]) -> None:
        if not self.enabled:
            return
        fields = []
        for key, value in row.items():
            if key in ("seconds", "train_seconds"):
                continue
            text = f"{value:.2%}" if key.endswith("accuracy") else f"{value:.4f}"
            fields.append(f"{key.replace('_', ' ')} {text}")
        width = len(str(self.num_epochs))
        line = f"epoch {epoch:>{width}}/{self.num_epochs}  " + "  ".join(fields)
        line += f"  ({row['seconds']:.1f} s)"
        prefix = "\r" if self.live else ""
        self.stream.write(f"{prefix}{line}\n")
        self.stream.flush()


def train_epoch(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    *,
    accuracy: bool = False,
    clip_grad_norm: float | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> dict[str, float]:
    """One pass over ``loader`` updating ``model``; returns mean loss (and accuracy).

    With ``clip_grad_norm``, gradients whose global norm exceeds it are scaled
    down to that norm before each update (as recurrent networks need).
    """
    model.train()
    total_loss, correct, count = 0.0, 0, 0
    for i, (X, y) in enumerate(_batches(loader, device), start=1):
        output = _forward(model, X)
        check_output_shape(output, y, loss_fn)
        loss = loss_fn(output, y)
        optimizer.zero_grad()
        loss.backward()
        if clip_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
        optimizer.step()
        num_targets = _num_targets(y, loss_fn)
        total_loss += loss.item() * num_targets
        if accuracy:
            correct += count_correct(output.detach(), y, _ignored(y, loss_fn))
        count += num_targets
        if on_batch is not None:
            on_batch(i)
    if count == 0:
        raise ValueError("the training loader yielded no batches")
    metrics = {"train_loss": total_loss / count}
    if accuracy:
        metrics["train_accuracy"] = correct / count
    return metrics


@torch.no_grad()
def evaluate(
    model: nn.Module,
    loader: Iterable,
    loss_fn: Callable,
    device: torch.device | str | None = None,
    *,
    accuracy: bool = False,
    prefix: str = "test",
) -> dict[str, float]:
    """Mean loss (and accuracy) of ``model`` on ``loader``, in eval mode."""
    device = get_device(device)
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    for X, y in _batches(loader, device):
        output = _forward(model, X)
        check_output_shape(output, y, loss_fn)
        num_targets = _num_targets(y, loss_fn)
        total_loss += loss_fn(output, y).item() * num_targets
        if accuracy:
            correct += count_correct(output, y, _ignored(y, loss_fn))
        count += num_targets
    if count == 0:
        raise ValueError("the evaluation loader yielded no batches")
    metrics = {f"{prefix}_loss": total_loss / count}
    if accuracy:
        metrics[f"{prefix}_accuracy"] = correct / count
    return metrics


def fit(
    model: nn.Module,
    train_loader: Iterable,
    loss_fn: Callable,
    optimizer: torch.optim.Optimizer,
    num_epochs: int,
    *,
    valid_loader: Iterable | None = None,
    test_loader: Iterable | None = None,
    device: torch.device | str | None = None,
    accuracy: bool | None = None,
    scheduler=None,
    clip_grad_norm: float | None = None,
    progress: bool = True,
    stream=None,
) -> History:
    """Train ``model`` for ``num_epochs`` and evaluate after every epoch.

    Args:
        valid_loader: Evaluated after every epoch, as ``valid_loss`` (and
            ``valid_accuracy``): the split a run is tuned or stopped on.
        test_loader: Evaluated after every epoch instead, as ``test_loss`` (and
            ``test_accuracy``), for a run whose curve on held-out data is shown
            and nothing is chosen on it. Pass at most one of the two.
        accuracy: Also track accuracy. By default on for class-index losses
            (``CrossEntropyLoss``, ``NLLLoss``) and ``BCEWithLogitsLoss``.
        scheduler: A learning-rate scheduler stepped once per epoch.
        clip_grad_norm: Rescale the gradients before each update so that their
            global norm is at most this.
        progress: Print one line per epoch (and a live line on a terminal) and a
            summary at the end.

    Returns:
        The :class:`History` of per-epoch metrics.
    """
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(f"num_epochs must be a positive int, got {num_epochs!r}")
    if valid_loader is not None and test_loader is not None:
        raise ValueError(
            "pass valid_loader or test_loader, not both: fit evaluates one split"
            " per epoch (evaluate the other afterwards with evaluate())"
        )
    eval_loader, eval_prefix = (
        (valid_loader, "valid") if valid_loader is not None else (test_loader, "test")
    )
    device = get_device(device)
    model.to(device)
    if accuracy is None:
        accuracy = isinstance(loss_fn, (*_CLASS_INDEX_LOSSES, nn.BCEWithLogitsLoss))
    display = Progress(num_epochs, stream=stream, enabled=progress)
    try:
        total = len(train_loader)
    except TypeError:
        total = None
    history = History(device=str(device))
    for epoch in range(1, num_epochs + 1):
        start = time.perf_counter()
        row = train_epoch(
            model,
            train_loader,
            loss_fn,
            optimizer,
            device,
            accuracy=accuracy,
            clip_grad_norm=clip_grad_norm,
            on_batch=lambda i, epoch=epoch: display.batch(epoch, i, total),
        )
        row["train_seconds"] = time.perf_counter() - start
        if eval_loader is not None:
            row |= evaluate(
                model,
                eval_loader,
                loss_fn,
                device,
                accuracy=accuracy,
                prefix=eval_prefix,
            )
        if scheduler is not None:
            scheduler.step()
        row["seconds"] = time.perf_counter() - start
        history.rows.append(row)
        display.epoch(epoch, row)
    if progress:
        print(history.summary(), file=display.stream)
    return history


def _check_binary_targets(X: torch.Tensor, y: torch.Tensor) -> None:
    """Raise a clear error unless ``y`` holds one label per row of ``X``."""
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise ValueError(
            f"y must be 1-D with one label per row of X; got y of shape"
            f" {tuple(y.shape)} for X of shape {tuple(X.shape)}. Pass the labels"
            " as a tensor of shape (n,) (y.squeeze(1) flattens a column)"
        )


def train_full_batch(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    num_epochs: int,
) -> list[float]:
    """Fit a binary classifier with Adam, using every training point per step.

    Returns the training loss measured at each step.
    """
    _check_binary_targets(X, y)
    if not y.is_floating_point():
        raise ValueError(
            f"y must hold float 0/1 labels for the binary cross-entropy, got"
            f" {y.dtype}; convert them with y.float()"
        )
    if not isinstance(num_epochs, int) or num_epochs < 1:
        raise ValueError(
            "num_epochs must be a positive int (the number of full-batch"
            f" steps), got {num_epochs!r}"
        )
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(num_epochs):
        optimizer.zero_grad()
        loss = loss_fn(model(X).squeeze(1), y)  # logits (n, 1) -> (n,)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@torch.no_grad()
def binary_accuracy(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor,
) -> float:
    """Fraction of points whose predicted class matches y."""
    _check_binary_targets(X, y)
    # A positive logit means a probability above one half.
    predictions = (model(X).squeeze(1) > 0).float()
    return (predictions == y).float().mean().item()
