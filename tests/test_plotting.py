from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from dlbook.plotting import style_path, use_book_style


def test_style_file_ships_with_the_package():
    path = Path(style_path())
    assert path.parent == Path(__import__("dlbook").__file__).parent
    # A wheel carries it only if the package data names it.
    pyproject = (path.parents[1] / "pyproject.toml").read_text()
    assert f'dlbook = ["*{path.suffix}"]' in pyproject
    style = matplotlib.rc_params_from_file(path, use_default_template=False)
    assert style["axes.spines.top"] is False


def test_use_book_style_changes_rcparams_as_the_style_file_says():
    style = matplotlib.rc_params_from_file(style_path(), use_default_template=False)
    with plt.style.context("default"):
        assert plt.rcParams["axes.spines.top"] is True
        use_book_style()
        assert plt.rcParams["axes.spines.top"] is False
        assert plt.rcParams["axes.grid"] is True
        assert list(plt.rcParams["figure.figsize"]) == list(style["figure.figsize"])


def test_importing_the_package_does_not_restyle(tmp_path):
    import subprocess
    import sys

    code = (
        "import matplotlib as m; before = dict(m.rcParams);"
        "import dlbook, dlbook.plotting, dlbook.data, dlbook.seeding;"
        "import dlbook.devices, torch;"
        "assert dict(m.rcParams) == before;"
        "assert not torch.are_deterministic_algorithms_enabled()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path)


def test_plot_history_draws_every_tracked_curve():
    from dlbook.plotting import plot_history
    from dlbook.training import History

    rows = [
        {
            "train_loss": 1.0 / e,
            "train_accuracy": 0.5,
            "test_loss": 2.0 / e,
            "test_accuracy": 0.4,
            "seconds": 0.1,
        }
        for e in (1, 2, 3)
    ]
    axes = plot_history(History(rows=rows))
    assert len(axes) == 2
    loss_lines = {line.get_label(): line for line in axes[0].get_lines()}
    assert set(loss_lines) == {"train", "test"}
    assert list(loss_lines["test"].get_ydata()) == [2.0, 1.0, 2.0 / 3]
    assert axes[1].get_ylabel() == "accuracy"
    plt.close("all")


def test_plot_history_without_accuracy_uses_one_axis():
    import pytest

    from dlbook.plotting import plot_history
    from dlbook.training import History

    history = History(rows=[{"train_loss": 1.0, "seconds": 0.1}])
    assert len(plot_history(history)) == 1
    _, two = plt.subplots(1, 2)
    with pytest.raises(ValueError, match="needs 1 axes"):
        plot_history(history, axes=two)
    with pytest.raises(ValueError, match="empty"):
        plot_history(History())
    plt.close("all")
