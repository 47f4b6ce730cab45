"""The book's own copy of its datasets (dlbook.mirror), on a tiny dataset
served from a folder: written by the site build, fetched where apt-get and
npm are missing, verified, and never left half-written."""

import gzip
import hashlib

import pytest

from dlbook import data, mirror
from dlbook.data import DatasetError, DatasetSpec, PackageSource

CONTENTS = {"words.txt": b"a tiny dataset\n", "more.txt": b"and another file\n"}


@pytest.fixture
def tiny(monkeypatch):
    """A dataset 'tiny' whose two files sit in a data folder."""
    spec = DatasetSpec(
        name="tiny",
        folder="tiny",
        sha256={n: hashlib.sha256(c).hexdigest() for n, c in CONTENTS.items()},
        source=PackageSource(client="apt", package="not-used"),
    )
    monkeypatch.setattr(data, "DATASETS", {"tiny": spec})
    monkeypatch.setattr(mirror, "DATASETS", {"tiny": spec})
    return spec


def fill(root):
    (root / "tiny").mkdir(parents=True)
    for name, content in CONTENTS.items():
        (root / "tiny" / name).write_bytes(content)


def test_the_site_gets_a_compressed_copy_that_fetch_restores(tiny, tmp_path):
    source, site, fresh = tmp_path / "data", tmp_path / "site", tmp_path / "fresh"
    fill(source)
    written = mirror.write_mirror(site / "data", root=source)
    assert sorted(p.name for p in written) == ["more.txt.gz", "words.txt.gz"]
    assert (
        gzip.decompress((site / "data/tiny/words.txt.gz").read_bytes())
        == (CONTENTS["words.txt"])
    )
    again = tmp_path / "again"
    mirror.write_mirror(again, root=source)
    # The same data give the same bytes, build after build.
    for name in ("words.txt.gz", "more.txt.gz"):
        assert (again / "tiny" / name).read_bytes() == (
            site / "data" / "tiny" / name
        ).read_bytes()
    folder = mirror.fetch("tiny", site.as_uri(), root=fresh, log=lambda m: None)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == CONTENTS
    assert data.problems("tiny", fresh) == []


def test_a_changed_copy_is_refused_and_nothing_is_written(tiny, tmp_path):
    source, site, fresh = tmp_path / "data", tmp_path / "site", tmp_path / "fresh"
    fill(source)
    mirror.write_mirror(site / "data", root=source)
    (site / "data/tiny/more.txt.gz").write_bytes(gzip.compress(b"tampered\n"))
    with pytest.raises(DatasetError, match=r"sha256 .* nothing was written"):
        mirror.fetch("tiny", site.as_uri(), root=fresh, log=lambda m: None)
    assert list(fresh.iterdir()) == []  # not even a temporary folder


def test_a_missing_copy_names_the_address(tiny, tmp_path):
    with pytest.raises(DatasetError, match=r"could not download .*/data/tiny/"):
        mirror.fetch("tiny", (tmp_path / "nowhere").as_uri(), root=tmp_path / "d")


def test_a_dataset_not_fetched_cannot_be_mirrored(tiny, tmp_path):
    with pytest.raises(DatasetError, match=r"cannot be mirrored.*make data"):
        mirror.write_mirror(tmp_path / "site", root=tmp_path / "empty")


def test_every_real_dataset_has_an_address_on_the_site():
    for name, spec in data.DATASETS.items():
        for file_name in spec.sha256:
            url = mirror.mirror_url("https://example.org/book/", name, file_name)
            assert url == f"https://example.org/book/data/{spec.folder}/{file_name}.gz"
