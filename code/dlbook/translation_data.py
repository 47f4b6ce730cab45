"""The German-English pairs made fit for translation: cleaned, split, subword-coded.

The Ding dictionary's example sentences (:func:`dlbook.data.load_translation_pairs`)
keep the dictionary's own notation: curly and straight apostrophes side by side,
``a/b`` alternatives, optional words in parentheses, placeholders such as
``jdm.``/``sb.`` and gaps written ``...``. :func:`clean_translation_pairs` resolves
or drops each of these and counts what it did. :func:`split_translation_pairs`
makes a seeded train/validation/test split that never puts the same sentence on
both sides of it, and :func:`train_subword_tokenizer` learns byte-pair encoding
(BPE) on the training split only, so that no held-out word is ever unknown.
"""

import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

from dlbook.data import load_translation_pairs

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)

# Typographic apostrophes and quotation marks -> their ASCII forms. Ding mixes
# them freely ("don't" next to "don\u2019t"), which would make one word two.
_QUOTES = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark
        "\u2018": "'",  # left single quotation mark
        "\u201a": "'",  # single low-9 quotation mark
        "\u00b4": "'",  # acute accent, typed as an apostrophe
        "`": "'",
        "\u201e": '"',  # double low-9 quotation mark (German opening)
        "\u201c": '"',  # left double quotation mark
        "\u201d": '"',  # right double quotation mark
        "\u00ab": '"',
        "\u00bb": '"',
    }
)
# Ding's placeholders for "somebody"/"something" mark a phrase, not a sentence.
_PLACEHOLDER = re.compile(r"(?<![\w.])(?:jd|jdn|jdm|jds|etw|sb|sth)\.")
_GAP = re.compile(r"\u2026|\.\.\.")
# A slash that is not between two digits.
_ALTERNATIVE = re.compile(r"(?<!\d)/|/(?!\d)")
_PARENTHETICAL = re.compile(r"\([^()]*\)")


@dataclass(frozen=True)
class CleanedPairs:
    """Cleaned sentence pairs and what the cleaning did to get them.

    Attributes:
        pairs: The kept ``(german, english)`` pairs, in their original order.
        changed: Rule -> number of kept pairs that rule changed.
        dropped: Reason -> number of pairs dropped for it (each dropped pair is
            counted once, under the first reason that applies).
    """

    pairs: list[tuple[str, str]]
    changed: dict[str, int]
    dropped: dict[str, int]


def normalise_quotes(text: str) -> str:
    """``text`` in Unicode NFC with every apostrophe written ``'`` and every
    double quotation mark written ``"``."""
    return unicodedata.normalize("NFC", text).translate(_QUOTES)


def _tidy(text: str) -> str:
    """One space between words, none before closing punctuation, one final stop."""
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r" +([.,!?;:])", r"\1", text)
    return re.sub(r"\.{2}$", ".", text)


def has_alternatives(text: str) -> bool:
    """Whether ``text`` offers alternatives written with a slash (``a/b``,
    ``a / b``); a slash between digits (``2009/10``, ``24/7``) is part of a
    number, not an alternative."""
    return bool(_ALTERNATIVE.search(text))


def remove_parentheticals(text: str) -> str:
    """``text`` without its parenthesised (optional) parts, tidied.

    In Ding, parentheses hold words a sentence reads well with or without
    (``Trinken Sie etwas mit (uns)?``), optional letters (``Kopf(e)``) or a
    second wording (``make tracks (be off)``); dropping them keeps one reading.
    A sentence that began with a removed part starts with a capital again.
    """
    removed = text
    while True:  # innermost first, so nested parentheses go too
        shorter = _PARENTHETICAL.sub("", removed)
        if shorter == removed:
            break
        removed = shorter
    removed = _tidy(removed)
    if text.startswith("(") and removed:
        removed = removed[0].upper() + removed[1:]
    return removed


def _is_sentence(text: str) -> bool:
    return text[-1:] in (".", "!", "?") and len(text.split()) >= 3


def clean_translation_pairs(pairs: Iterable[tuple[str, str]]) -> CleanedPairs:
    """Clean the dictionary's sentence pairs for translation, counting each rule.

    Both sides of a pair go through the same rules, in this order:

    1. Apostrophes and quotation marks become ``'`` and ``"``
       (:func:`normalise_quotes`); runs of spaces become one, with none before
       punctuation, and a doubled final stop becomes one.
    2. Pairs are dropped that hold a placeholder (``jdm.``, ``etw.``, ``sb.``,
       ``sth.``: phrases, not sentences), a gap (``...``), or parentheses
       that do not balance.
    3. Parenthesised optional words are removed (:func:`remove_parentheticals`).
    4. Pairs that still offer alternatives (``a/b``, :func:`has_alternatives`)
       are dropped: the text does not say how far an alternative reaches
       (``the high street/on the streets``), so keeping its first word breaks
       about one sentence in six.
    5. What is kept is a sentence on both sides (three words or more, ending in
       ``.``, ``!`` or ``?``), and each pair is kept once.

    Returns:
        A :class:`CleanedPairs` with the kept pairs in their original order and
        the counts of what each rule changed or dropped.
    """
    kept, seen = [], set()
    changed, dropped = Counter(), Counter()
    for pair in pairs:
        if len(pair) != 2 or not all(isinstance(side, str) for side in pair):
            raise TypeError(
                f"pairs must be (german, english) string pairs, got {pair!r}"
            )
        tidied = tuple(_tidy(side) for side in pair)
        sides = tuple(_tidy(normalise_quotes(side)) for side in pair)
        steps = {"spacing": tidied != tuple(pair), "quotes": sides != tidied}
        if any(_PLACEHOLDER.search(side) for side in sides):
            dropped["placeholder (jdm./sb.)"] += 1
            continue
        if any(_GAP.search(side) for side in sides):
            dropped["gap (...)"] += 1
            continue
        if any(not _balanced(side) for side in sides):
            dropped["unbalanced parentheses"] += 1
            continue
        final = tuple(remove_parentheticals(side) for side in sides)
        steps["parentheticals"] = final != sides
        if any(has_alternatives(side) for side in final):
            dropped["alternatives (a/b)"] += 1
            continue
        if not all(_is_sentence(side) for side in final):
            dropped["not a sentence after cleaning"] += 1
            continue
        if final in seen:
            dropped["duplicate after cleaning"] += 1
            continue
        seen.add(final)
        kept.append(final)
        changed.update(rule for rule, applied in steps.items() if applied)
    return CleanedPairs(kept, dict(changed), dict(dropped))


def _balanced(text: str) -> bool:
    depth = 0
    for char in text:
        depth += (char == "(") - (char == ")")
        if depth < 0:
            return False
    return depth == 0


def load_clean_translation_pairs(*, root=None) -> CleanedPairs:
    """:func:`clean_translation_pairs` of :func:`dlbook.data.load_translation_pairs`."""
    return clean_translation_pairs(load_translation_pairs(root=root))


@dataclass(frozen=True)
class TranslationSplit:
    """A train/validation/test split of ``(source, target)`` sentence pairs."""

    train: list[tuple[str, str]]
    valid: list[tuple[str, str]]
    test: list[tuple[str, str]]


def _sentence_key(text: str) -> str:
    """A sentence up to case, punctuation and spacing: near-duplicates collide."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def split_translation_pairs(
    pairs: Sequence[tuple[str, str]],
    *,
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
) -> TranslationSplit:
    """A seeded split in which no sentence is seen on both sides of a boundary.

    Pairs that share a source or a target sentence (up to case, punctuation and
    spacing) form one group, as do their partners' partners; groups are shuffled
    with ``seed`` and dealt out whole, the training split first, until each
    split holds its fraction of the pairs. A model is thus never tested on a
    sentence it was trained on, even with another translation.
    """
    if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(
            f"fractions must be three positive numbers summing to 1, got {fractions}"
        )
    parent = list(range(len(pairs)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with_key: dict[tuple[int, str], int] = {}
    for i, (source, target) in enumerate(pairs):
        for side, text in ((0, source), (1, target)):
            j = first_with_key.setdefault((side, _sentence_key(text)), i)
            parent[root(i)] = root(j)
    groups: dict[int, list[int]] = {}
    for i in range(len(pairs)):
        groups.setdefault(root(i), []).append(i)
    order = list(groups.values())
    random.Random(seed).shuffle(order)
    n_train = round(fractions[0] * len(pairs))
    n_valid = round(fractions[1] * len(pairs))
    train, valid, test = [], [], []
    for group in order:
        if len(train) < n_train:
            part = train
        elif len(valid) < n_valid:
            part = valid
        else:
            part = test
        part.extend(pairs[i] for i in group)
    return TranslationSplit(train, valid, test)


class SubwordTokenizer:
    """Byte-level byte-pair encoding: text <-> token indices, with no unknowns.

    Every string is first written as UTF-8 bytes, and the 256 bytes are all in
    the vocabulary, so any text at all can be encoded; the learned merges make
    frequent words one token and split rare ones into frequent pieces
    (``Selbstsicherheit`` -> ``Selbst`` ``s`` ``icherheit``). :meth:`decode`
    gives back exactly the text that was encoded, provided it does not start
    with a space (cleaned text never does).

    Build one with :func:`train_subword_tokenizer`; ``<pad>``, ``<bos>`` and
    ``<eos>`` are indices 0, 1 and 2.
    """

    def __init__(self, tokenizer: Tokenizer):
        self.tokenizer = tokenizer
        ids = [tokenizer.token_to_id(token) for token in SPECIALS]
        if ids != [0, 1, 2]:
            raise ValueError(
                f"the tokenizer must reserve {SPECIALS} as indices 0, 1, 2; got"
                f" {ids}: build it with train_subword_tokenizer"
            )
        self.pad, self.bos, self.eos = ids
        # Text that happens to contain "<eos>" is spelled out, not cut short.
        tokenizer.encode_special_tokens = True

    def __len__(self) -> int:
        return self.tokenizer.get_vocab_size()

    def encode(self, text: str) -> list[int]:
        """Token indices of ``text``, without ``<bos>`` or ``<eos>``."""
        if not isinstance(text, str):
            raise TypeError(f"encode takes a string, got {type(text).__name__}")
        return self.tokenizer.encode(text, add_special_tokens=False).ids

    def decode(self, indices: Iterable[int]) -> str:
        """The text of ``indices`` (ints or a 1-D tensor); special tokens are
        left out, so that a model's output decodes to plain text."""
        if isinstance(indices, torch.Tensor):
            if indices.ndim != 1:
                raise ValueError(
                    f"decode takes a 1-D tensor, got {tuple(indices.shape)}"
                )
            indices = indices.tolist()
        text = self.tokenizer.decode(list(indices), skip_special_tokens=True)
        return text.removeprefix(" ")  # the space encode put before the first word

    def pieces(self, text: str) -> list[str]:
        """The tokens of ``text`` as readable strings, a space shown as ``\u2581``
        (the byte-level tokens themselves spell a non-ASCII letter such as
        ``\u00fc`` as two symbols, one per UTF-8 byte)."""
        return [
            self.tokenizer.decode([index]).replace(" ", "\u2581")
            for index in self.encode(text)
        ]


def train_subword_tokenizer(
    texts: Sequence[str], vocab_size: int = 4000, *, min_frequency: int = 2
) -> SubwordTokenizer:
    """Learn byte-level BPE merges on ``texts`` until ``vocab_size`` tokens
    (fewer if no pair of tokens is seen ``min_frequency`` times any more).

    Train it on the training split only: the held-out sentences must not
    shape the vocabulary the model is tested with. Training is deterministic.

    Args:
        texts: The training sentences of one language (or of both, for a
            vocabulary shared by source and target).
        vocab_size: Tokens in all, counting the 3 special tokens and the 256
            bytes.
        min_frequency: A pair of tokens seen fewer times is never merged.
    """
    if isinstance(texts, str) or len(texts) == 0:
        raise ValueError("train_subword_tokenizer needs a non-empty list of texts")
    base = len(SPECIALS) + len(pre_tokenizers.ByteLevel.alphabet())
    if vocab_size <= base:
        raise ValueError(
            f"vocab_size must exceed the {base} special and byte tokens, got"
            f" {vocab_size}"
        )
    tokenizer = Tokenizer(models.BPE())
    # A space before the first word, which decode removes again, so that a
    # sentence's first word is split as it would be anywhere else.
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=list(SPECIALS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tokenizer.train_from_iterator(texts, trainer=trainer, length=len(texts))
    return SubwordTokenizer(tokenizer)


@dataclass(frozen=True)
class SubwordTranslationData:
    """A split of cleaned sentence pairs with tokenizers learned on its training
    part (one per language, or the same object for both when shared)."""

    train: list[tuple[str, str]]
    valid: list[tuple[str, str]]
    test: list[tuple[str, str]]
    src_tokenizer: SubwordTokenizer
    tgt_tokenizer: SubwordTokenizer


def prepare_subword_data(
    pairs: Sequence[tuple[str, str]],
    *,
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    vocab_size: int = 4000,
    shared: bool = False,
) -> SubwordTranslationData:
    """Split ``pairs`` (:func:`split_translation_pairs`) and train BPE on the
    training split: one tokenizer per language of ``vocab_size`` tokens, or with
    ``shared`` one for both languages."""
    split = split_translation_pairs(pairs, seed=seed, fractions=fractions)
    sources = [source for source, _ in split.train]
    targets = [target for _, target in split.train]
    if shared:
        src_tokenizer = tgt_tokenizer = train_subword_tokenizer(
            sources + targets, vocab_size
        )
    else:
        src_tokenizer = train_subword_tokenizer(sources, vocab_size)
        tgt_tokenizer = train_subword_tokenizer(targets, vocab_size)
    return SubwordTranslationData(
        split.train, split.valid, split.test, src_tokenizer, tgt_tokenizer
    )


def encode_split(
    data: SubwordTranslationData, split: str
) -> list[tuple[list[int], list[int]]]:
    """Index one split (``"train"``, ``"valid"`` or ``"test"``) for the models of
    :mod:`dlbook.translation`: sources end with ``<eos>``; targets are wrapped in
    ``<bos>`` ... ``<eos>``."""
    if split not in ("train", "valid", "test"):
        raise ValueError(f"split must be 'train', 'valid' or 'test', got {split!r}")
    src, tgt = data.src_tokenizer, data.tgt_tokenizer
    return [
        ([*src.encode(source), src.eos], [tgt.bos, *tgt.encode(target), tgt.eos])
        for source, target in getattr(data, split)
    ]
