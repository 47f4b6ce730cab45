"""The book's plot style and the few plotting helpers several chapters share."""

from importlib import resources

import matplotlib.pyplot as plt

STYLE_NAME = "book.mplstyle"


def style_path() -> str:
    """Path of the book's Matplotlib style sheet inside the installed package."""
    return str(resources.files("dlbook").joinpath(STYLE_NAME))


def use_book_style() -> None:
    """Apply the book's Matplotlib style to every figure drawn after this call."""
    plt.style.use(style_path())


def plot_history(history, axes=None, title: str | None = None):
    """Learning curves of a :class:`dlbook.training.History`.

    Draws the losses on the first axis and, when the history tracked accuracy,
    the accuracies on a second one beside it.

    Args:
        axes: One axis, or two when the history has accuracies; ``None`` makes a
            new figure with as many as needed.

    Returns:
        The list of axes drawn on.
    """
    rows = history.rows
    if not rows:
        raise ValueError("the history is empty: train for at least one epoch")
    has_accuracy = any(key.endswith("accuracy") for key in rows[0])
    needed = 2 if has_accuracy else 1
    if axes is None:
        _, axes = plt.subplots(1, needed, figsize=(3.4 * needed + 0.6, 3.2))
    axes = list(axes) if hasattr(axes, "__len__") else [axes]
    if len(axes) != needed:
        raise ValueError(
            f"this history needs {needed} axes (loss{' and accuracy' * (needed - 1)}),"
            f" got {len(axes)}"
        )
    epochs = range(1, len(rows) + 1)
    for i, kind in enumerate(("loss", "accuracy")[: len(axes)]):
        for split, label in (
            ("train", "train"),
            ("valid", "validation"),
            ("test", "test"),
        ):
            key = f"{split}_{kind}"
            if key in rows[0]:
                axes[i].plot(epochs, history[key], marker="o", label=label)
        axes[i].set_xlabel("epoch")
        axes[i].set_ylabel(kind)
        axes[i].legend()
    if title:
        axes[0].set_title(title)
    return axes
