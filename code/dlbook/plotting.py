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
