"""The bibliography holds an entry for every reading of the course outline.

OUTLINE_READINGS maps a verbatim excerpt of course/outline.txt (whitespace
normalised, curly apostrophes made straight) to the key of its entry in
references.bib. A reading that is a chapter or a section of a book maps to the
book's key. The completeness test cuts every excerpt out of each "Recommended"
slide of the outline and fails if words remain: a reading added to the outline,
or an excerpt dropped from the table, shows up as leftover text.

Entries beyond the recommended readings (sources the outline quotes, papers
behind the methods it names) are mapped too where the outline names them; an
entry need not be mapped (BLEU, Adam and others are cited by chapters only).
"""

import re
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import pybtex.errors
import pytest
from pybtex.database import BibliographyData, Entry, parse_file, parse_string
from pybtex.exceptions import PybtexError

ROOT = Path(__file__).resolve().parents[1]
OUTLINE = ROOT / "course" / "outline.txt"
BIBFILE = ROOT / "references.bib"

OUTLINE_READINGS: dict[str, str] = {
    # Introduction: Recommended Material
    "Chapter 1, Deep Learning with Python, Second Edition by François Chollet": (
        "chollet2021deep"
    ),
    "Chapter 1, Dive into Deep Learning by Zhang A. et al.": "zhang2023dive",
    "YouTube: INTRODUCTION TO PYTORCH": "pytorch2021intro",
    "Chapter 1, Neural Networks and Deep Learning by Michael Nielsen": (
        "nielsen2015neural"
    ),
    "Introduction, Deep Learning by Yoshua Bengio, Ian Goodfellow and Aaron "
    "Courville": "goodfellow2016deep",
    "GitHub: Awesome Deep Learning": "christofidis2015awesome",
    "Chapter 1, Deep Learning with PyTorch: A practical approach to building neural "
    "network models using PyTorch by Vishnu Subramanian": "subramanian2018deep",
    "Chapter 1, Deep Learning with PyTorch: Build, Train, and Tune Neural Networks "
    "Using Python Tools by Eli Stevens, Luca Antiga, Thomas Viehmann": (
        "stevens2020deep"
    ),
    # PyTorch: Recommended Reading
    "PyTorch Fundamentals and PyTorch Workflow Fundamentals in Learn PyTorch for "
    "Deep Learning: Zero to Mastery by Daniel Bourke": "bourke2021learn",
    # Neural Networks: Recommended Reading
    "Chapter 5: The Mechanics of Learning in Deep Learning with PyTorch by Eli "
    "Stevens et al.": "stevens2020deep",
    "Chapter 2: How the backpropagation algorithm works and Chapter 3: Improving "
    "the way neural networks learn in Neural Networks and Deep Learning by Michael "
    "Nielsen": "nielsen2015neural",
    # Multiclass Classification: Recommended Reading
    "PyTorch Neural Network Classification in Learn PyTorch for Deep Learning: Zero "
    "to Mastery by Daniel Bourke": "bourke2021learn",
    # Convolutional Neural Networks: Recommended Reading
    "Chapter 7: Convolutional Neural Networks, Chapter 8: Modern Convolutional "
    "Neural Networks in Dive into Deep Learning by Zhang Aston et al.": (
        "zhang2023dive"
    ),
    "Chapter 7 Telling birds from airplanes: Learning from images and Chapter 8 "
    "Using convolutions to generalize in Deep Learning with PyTorch by Eli Stevens "
    "et al.": "stevens2020deep",
    "Chapter 6: Deep Learning in Neural Networks and Deep Learning by Michael "
    "Nielsen": "nielsen2015neural",
    "PyTorch Computer Vision in Learn PyTorch for Deep Learning: Zero to Mastery by "
    "Daniel Bourke": "bourke2021learn",
    # RNNs: Recommended Reading
    "Chapter 13.1: Markov Models in Pattern Recognition and Machine Learning by "
    "Christopher Bishop": "bishop2006pattern",
    "Chapter 13.2: Hidden Markov Models in Pattern Recognition and Machine Learning "
    "by Christopher Bishop": "bishop2006pattern",
    "Chapter 9: Recurrent Neural Networks in Dive into Deep Learning by Zhang Aston "
    "et al.": "zhang2023dive",
    "Chapter 5: Why are deep neural networks hard to train? in Neural Networks and "
    "Deep Learning by Michael Nielsen": "nielsen2015neural",
    # Sentiment Analysis: Recommended Resources
    "pytorch-sentiment-analysis": "trevett2021sentiment",
    # Encoder-Decoder Architecture: Recommended Reading
    "10.6. Encoder-Decoder Architecture in Dive into Deep Learning by Zhang Aston "
    "et al.": "zhang2023dive",
    "10.7. Encoder-Decoder Seq2Seq for Machine Translation in Dive into Deep "
    "Learning by Zhang Aston et al.": "zhang2023dive",
    "10.8. Beam Search in Dive into Deep Learning by Zhang Aston et al.": (
        "zhang2023dive"
    ),
    # Attention Mechanism: Recommended Reading
    "Visualizing A Neural Machine Translation Model (Mechanics of Seq2seq Models "
    "With Attention) by Jay Alamaar": "alammar2018visualizing",
    "11.1. Queries, Keys, and Values in Dive into Deep Learning by Zhang Aston et "
    "al.": "zhang2023dive",
    "11.2. Attention Pooling by Similarity in Dive into Deep Learning by Zhang "
    "Aston et al.": "zhang2023dive",
    "11.3. Attention Scoring Functions in Dive into Deep Learning by Zhang Aston et "
    "al.": "zhang2023dive",
    "11.4. The Bahdanau Attention Mechanism in Dive into Deep Learning by Zhang "
    "Aston et al.": "zhang2023dive",
    "11.5. Multi-Head Attention in Dive into Deep Learning by Zhang Aston et al.": (
        "zhang2023dive"
    ),
    "11.6. Self-Attention and Positional Encoding in Dive into Deep Learning by "
    "Zhang Aston et al.": "zhang2023dive",
    "Attention Is All You Need by Ashish Vaswani et. al.": "vaswani2017attention",
    "Attention Mechanism in Modern Deep Learning Techniques Applied to Natural "
    "Language Processing": "saravia2018modern",
    # Transformers: Recommended Reading
    "The Illustrated Transformer by Jay Alamaar": "alammar2018illustrated",
    "11.7. The Transformer Architecture in Dive into Deep Learning by Zhang Aston "
    "et al.": "zhang2023dive",
    "11.8. Transformers for Vision in Dive into Deep Learning by Zhang Aston et "
    "al.": "zhang2023dive",
    "11.9. Large-Scale Pretraining with Transformers in Dive into Deep Learning by "
    "Zhang Aston et al.": "zhang2023dive",
    # Deep Learning: Additional Recommended Resources
    "Neural Networks: Zero to Hero by Andrej Karpathy": "karpathy2022zero",
    "Natural Language Processing by Ritvik Kharkar (ritvikmath)": (
        "kharkar2023natural"
    ),
    "deeplearning-models": "raschka2019deep",
    "Visual ML papers: distill": "distill2016distill",
    "awesome-deep-learning": "christofidis2015awesome",
    "applied-ml": "yan2020applied",
    "Best-of Machine Learning with Python": "mltooling2020best",
    "Two Minute Papers": "zsolnaifeher2023two",
    # A bare "PyTorch" between two YouTube channels: the project's own site.
    "PyTorch": "pytorch2024website",
    "Jay Alammar's YouTube Channel and blog": "alammar2023jay",
    # Sources the outline quotes
    "François Chollet in Deep Learning with Python, Second Edition": (
        "chollet2021deep"
    ),
    '"Deep learning (DL) frameworks offer building blocks for designing, '
    "training, and validating deep neural networks through a high-level "
    'programming interface." Nvidia': "nvidia2023deep",
    '"An open source machine learning framework that accelerates the path from '
    'research prototyping to production deployment" PyTorch Webpage': (
        "pytorch2024website"
    ),
    "Source: PYTORCH: TENSORS": "johnson2017learning",
    # Frameworks, tools and documentation the outline names
    "What is PyTorch?": "paszke2019pytorch",
    "TensorFlow": "abadi2016tensorflow",
    "Keras": "chollet2015keras",
    "MXNet": "chen2015mxnet",
    "JAX": "bradbury2018jax",
    "Optimised for automatic differentiation": "baydin2018automatic",
    "references the backward propagation function": "rumelhart1986learning",
    "PyTorch's RNN module": "pytorch2023rnn",
    "Classifying Names with a Character-level RNN": "pytorch2023names",
    "PyTorch's LSTM module": "pytorch2023lstm",
    "PyTorch's GRU module": "pytorch2023gru",
    # Data sets, architectures and methods the outline names
    "Build a simple neural network using PyTorch to classify MNIST digits": (
        "lecun2010mnist"
    ),
    "Dropout Layers": "srivastava2014dropout",
    "1995: LeNet": "lecun1998gradient",
    "2012 : AlexNet": "krizhevsky2012imagenet",
    "2013: NiN": "lin2013network",
    "2014: VGG": "simonyan2014very",
    "2014: GoogLeNet": "szegedy2015going",
    "2015: Batch Normalization": "ioffe2015batch",
    "2016: Layer Normalization": "ba2016layer",
    "2016: ResNet": "he2016deep",
    "2017: ResNeXt": "xie2017aggregated",
    "2017: DenseNet": "huang2017densely",
    "2018: Neural Architecture Search (NAS)": "zoph2017neural",
    "2019: EfficientNets": "tan2019efficientnet",
    "2020: RegNet": "radosavovic2020designing",
    "The Vanishing Gradient problem": "bengio1994learning",
    "Long Short-Term Memory (LSTM)": "hochreiter1997long",
    "Gated Recurrent Units (GRU)": "cho2014learning",
    "Variable-length input -> variable-length output": "sutskever2014sequence",
    "Figure 22: Bahdanau's Attention Mechanism": "bahdanau2015neural",
    "Transformers for Vision": "dosovitskiy2021image",
}

# Text in a "Recommended" slide that introduces readings but is none itself.
SUBHEADINGS = ("List of various awesome Deep Learning resources:",)

# Per entry type, the fields it must have; a tuple means "one of these".
# Types other than these are refused: pybtex's plain style, which the book
# uses, has no template for most of them.
MISC_FIELDS = (("author", "organization"), ("title",), ("howpublished", "url"))
REQUIRED_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "book": (("author", "editor"), ("title",), ("publisher",)),
    # Volume, number and pages where the journal has them (not every one does).
    "article": (("author",), ("title",), ("journal",)),
    "inproceedings": (("author",), ("title",), ("booktitle",)),
    "misc": MISC_FIELDS,
    "online": MISC_FIELDS,
}

SLIDE_HEADER = "Outline Deep Learning"
CAPTION = re.compile(r"Figure \d+:")
ENTRY_START = re.compile(r"^\s*@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,", re.MULTILINE)


def normalise(text: str) -> str:
    """Collapse whitespace and straighten curly apostrophes."""
    text = text.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(text.split())


def recommended_blocks(outline: str) -> dict[str, str]:
    """Each "Recommended" slide's title and its text, without figure captions.

    A block runs from a line containing "Recommended" to the next slide header;
    a caption runs from its "Figure N:" line to the next blank line.
    """
    blocks: dict[str, str] = {}
    lines = outline.splitlines()
    i = 0
    while i < len(lines):
        if "Recommended" not in lines[i]:
            i += 1
            continue
        title, body, in_caption = lines[i].strip(), [], False
        i += 1
        while i < len(lines) and not lines[i].startswith(SLIDE_HEADER):
            line = lines[i]
            in_caption = bool(CAPTION.match(line.strip())) or (
                in_caption and bool(line.strip())
            )
            if not in_caption:
                body.append(line)
            i += 1
        blocks[title] = normalise("\n".join(body))
    return blocks


def leftover(block: str, phrases) -> str:
    """What remains of ``block`` once every phrase is cut out, longest first."""
    for phrase in sorted(phrases, key=len, reverse=True):
        block = block.replace(normalise(phrase), " ")
    return normalise(block)


def missing_fields(entry: Entry) -> list[str]:
    """The required fields ``entry`` lacks, alternatives joined by '|'."""
    required = REQUIRED_FIELDS.get(entry.type.lower())
    if required is None:
        return [f"a supported type (not @{entry.type})"]
    present = {name.lower() for name in (*entry.fields, *entry.persons)}
    missing = [
        "|".join(options) for options in required if not present.intersection(options)
    ]
    if not re.fullmatch(r"\d{4}", entry.fields.get("year", "")):
        missing.append("year (four digits)")
    return missing


def duplicate_keys(bibtex: str) -> list[str]:
    """Keys defined more than once (BibTeX keys ignore case)."""
    keys = Counter(
        key.lower()
        for kind, key in ENTRY_START.findall(bibtex)
        if kind.lower() not in {"comment", "string", "preamble"}
    )
    return sorted(key for key, count in keys.items() if count > 1)


def duplicate_titles(bib: BibliographyData) -> list[str]:
    """Titles, compared on letters and digits only, held by several entries."""
    titles = Counter(
        re.sub(r"[^a-z0-9]", "", entry.fields.get("title", "").lower())
        for entry in bib.entries.values()
    )
    return sorted(title for title, count in titles.items() if count > 1)


@contextmanager
def pybtex_strict(enable: bool):
    """Make pybtex raise (True) or only warn (False) on errors, then restore."""
    previous = pybtex.errors.strict
    pybtex.errors.set_strict_mode(enable)
    try:
        yield
    finally:
        pybtex.errors.set_strict_mode(previous)


@pytest.fixture(scope="module")
def outline() -> str:
    return OUTLINE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def bib() -> BibliographyData:
    """references.bib, parsed leniently so that each check reports on its own."""
    with pybtex_strict(False):
        return parse_file(str(BIBFILE))


def test_excerpts_are_verbatim_outline_text(outline):
    text = normalise(outline)
    absent = [excerpt for excerpt in OUTLINE_READINGS if normalise(excerpt) not in text]
    absent += [phrase for phrase in SUBHEADINGS if normalise(phrase) not in text]
    assert not absent, f"not found in {OUTLINE.name}: {absent}"


def test_every_mapped_key_has_an_entry(bib):
    keys = set(bib.entries.keys())
    unknown = sorted({key for key in OUTLINE_READINGS.values() if key not in keys})
    assert not unknown, f"keys mapped from the outline but not in {BIBFILE.name}"


def test_every_recommended_reading_has_an_entry(outline):
    blocks = recommended_blocks(outline)
    assert len(blocks) >= 11, f"expected 11 Recommended slides, found {list(blocks)}"
    unmapped = {}
    for title, block in blocks.items():
        assert re.search(r"\w", block), f"'{title}' has no text: parsing is wrong"
        rest = leftover(block, [*OUTLINE_READINGS, *SUBHEADINGS])
        if re.search(r"\w", rest):
            unmapped[title] = rest
    assert not unmapped, (
        "readings in the outline with no entry in OUTLINE_READINGS "
        f"(add a bib entry and an excerpt): {unmapped}"
    )


def test_entries_have_the_fields_of_their_type(bib):
    incomplete = {
        key: missing
        for key, entry in bib.entries.items()
        if (missing := missing_fields(entry))
    }
    assert not incomplete, f"entries missing required fields: {incomplete}"


def test_no_duplicate_keys_or_titles(bib):
    keys = duplicate_keys(BIBFILE.read_text(encoding="utf-8"))
    assert not keys, f"keys defined twice: {keys}"
    titles = duplicate_titles(bib)
    assert not titles, f"titles held by several entries: {titles}"


def test_bibliography_parses_without_warnings():
    with pybtex_strict(True):
        try:
            parse_file(str(BIBFILE))
        except PybtexError as error:
            pytest.fail(f"{BIBFILE.name} does not parse cleanly: {error}")


# The checks above on broken input: each of them can fail.

BROKEN_BIB = """
@book{nobody2020book, author = {Nobody, A.}, title = {A Book}, year = {2020}}
@article{nobody2021paper, author = {Nobody, A.}, title = {A Book}, journal = {J},
  volume = {1}, number = {2}, pages = {3--4}}
@online{nobody2022site, title = {A Site}, url = {https://example.org}, year = {2022}}
@manual{nobody2023manual, title = {A Manual}, year = {2023}}
"""


BROKEN_OUTLINE = """Outline Deep Learning What is PyTorch?

Readings: Recommended Reading
Chapter 1, Dive into Deep Learning by Zhang A. et al.
A reading nobody mapped
Figure 9: A caption that is
not a reading

Outline Deep Learning What is PyTorch?
"""


def test_checks_catch_broken_input():
    bib = parse_string(BROKEN_BIB, "bibtex")
    assert missing_fields(bib.entries["nobody2020book"]) == ["publisher"]
    assert missing_fields(bib.entries["nobody2021paper"]) == ["year (four digits)"]
    assert missing_fields(bib.entries["nobody2022site"]) == ["author|organization"]
    assert missing_fields(bib.entries["nobody2023manual"]) == [
        "a supported type (not @manual)"
    ]
    assert duplicate_titles(bib) == ["abook"]
    assert duplicate_keys(BROKEN_BIB + "@misc{NOBODY2020book, title={x}}") == [
        "nobody2020book"
    ]
    blocks = recommended_blocks(BROKEN_OUTLINE)
    assert list(blocks) == ["Readings: Recommended Reading"]
    block = blocks["Readings: Recommended Reading"]
    assert leftover(block, OUTLINE_READINGS) == "A reading nobody mapped"
