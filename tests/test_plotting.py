from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt

from dlbook.plotting import style_path, use_book_style


def test_style_file_ships_with_the_package():
    assert Path(style_path()).is_file()


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
