"""A controlled translation task: German number words to English number words.

The translation chapters compare a plain encoder-decoder, attention and the
Transformer. On real sentence pairs the differences drown in rare words and
free translations, so the chapters also train on a task generated here:
``324`` is ``drei hundert vier und zwanzig`` in German and ``three hundred
twenty four`` in English. German says the units before the tens, so a
translator must reorder (and an attention map shows the crossing); the source
grows with the number, which exposes a fixed-size context vector; and the data
are unlimited and split by value, so no test number is ever a training number.

Words are cut into morphemes (``dreihundertvierundzwanzig`` becomes five
tokens), so that a model sees the shared parts; :func:`german_text` and
:func:`english_text` write the tokens as a reader would.
"""

import itertools
import numbers
import random
from collections.abc import Sequence
from dataclasses import dataclass

from dlbook.text import Vocab
from dlbook.translation import SPECIALS, TranslationData

MAX_NUMBER = 999_999_999  # German has no single word above: "Milliarde" follows

# German spellings use escapes so that this file stays ASCII:
# \u00fc is u-umlaut, \u00f6 o-umlaut, \u00df sharp s.
_GERMAN_UNITS = (
    "null",
    "eins",
    "zwei",
    "drei",
    "vier",
    "f\u00fcnf",
    "sechs",
    "sieben",
    "acht",
    "neun",
)
_GERMAN_TEENS = (
    "zehn",
    "elf",
    "zw\u00f6lf",
    "dreizehn",
    "vierzehn",
    "f\u00fcnfzehn",
    "sechzehn",
    "siebzehn",
    "achtzehn",
    "neunzehn",
)
# Tens from twenty on; the first two entries are placeholders.
_GERMAN_TENS = (
    "",
    "",
    "zwanzig",
    "drei\u00dfig",
    "vierzig",
    "f\u00fcnfzig",
    "sechzig",
    "siebzig",
    "achtzig",
    "neunzig",
)
_ENGLISH_UNITS = (
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
)
_ENGLISH_TEENS = (
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
)
_ENGLISH_TENS = (
    "",
    "",
    "twenty",
    "thirty",
    "forty",
    "fifty",
    "sixty",
    "seventy",
    "eighty",
    "ninety",
)
_GERMAN_MILLION = ("Million", "Millionen")


def _check_number(n: int) -> int:
    """``n`` as a Python int (NumPy and PyTorch integers are accepted), or a
    clear error."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"need an int, got {type(n).__name__}: {n!r}")
    n = int(n)
    if not 0 <= n <= MAX_NUMBER:
        raise ValueError(
            f"number words are defined for 0 to {MAX_NUMBER:,}, got {n:,};"
            " larger numbers need the next scale word (Milliarde / billion)"
        )
    return n


def _german_below_thousand(n: int, one: str) -> list[str]:
    """Tokens of 1 <= n <= 999, with ``one`` for a final 1: "eins" at the end
    of the number, "ein" before "tausend", "eine" before "Million(en)"."""
    hundreds, rest = divmod(n, 100)
    tokens = []
    if hundreds:
        tokens += ["ein" if hundreds == 1 else _GERMAN_UNITS[hundreds], "hundert"]
    tens, units = divmod(rest, 10)
    if tens == 0 and units:
        tokens.append(one if units == 1 else _GERMAN_UNITS[units])
    elif tens == 1:
        tokens.append(_GERMAN_TEENS[units])
    elif tens and units == 0:
        tokens.append(_GERMAN_TENS[tens])
    elif tens:
        # Units first: 24 is "vier und zwanzig", and 21 is "ein und zwanzig".
        unit = "ein" if units == 1 else _GERMAN_UNITS[units]
        tokens += [unit, "und", _GERMAN_TENS[tens]]
    return tokens


def german(n: int) -> list[str]:
    """The German number word for ``n`` as morpheme tokens, for 0 <= n <
    10**9.

    ``german(324) == ["drei", "hundert", "vier", "und", "zwanzig"]``. A final
    1 is "eins" ("hunderteins"), "ein" before "hundert", "tausend" and "und"
    ("einhundert", "eintausend", "einundzwanzig"; the optional "ein" of
    "einhundert" is always written), and "eine" before "Million" ("eine
    Million", "einhunderteine Millionen"); more than one million is
    "Millionen".
    """
    n = _check_number(n)
    if n == 0:
        return ["null"]
    millions, rest = divmod(n, 1_000_000)
    thousands, units = divmod(rest, 1000)
    tokens = []
    if millions:
        tokens += _german_below_thousand(millions, one="eine")
        tokens.append(_GERMAN_MILLION[0] if millions == 1 else _GERMAN_MILLION[1])
    if thousands:
        tokens += [*_german_below_thousand(thousands, one="ein"), "tausend"]
    if units:
        tokens += _german_below_thousand(units, one="eins")
    return tokens


def _english_below_thousand(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    tokens = [] if hundreds == 0 else [_ENGLISH_UNITS[hundreds], "hundred"]
    tens, units = divmod(rest, 10)
    if tens == 1:
        tokens.append(_ENGLISH_TEENS[units])
    else:
        if tens:
            tokens.append(_ENGLISH_TENS[tens])
        if units:
            tokens.append(_ENGLISH_UNITS[units])
    return tokens


def english(n: int) -> list[str]:
    """The American English number word for ``n`` as tokens, for 0 <= n <
    10**9.

    ``english(324) == ["three", "hundred", "twenty", "four"]``: no "and"
    ("one hundred one"), and tens and units as two tokens, which
    :func:`english_text` joins with a hyphen.
    """
    n = _check_number(n)
    if n == 0:
        return ["zero"]
    tokens = []
    for scale, word in ((1_000_000, "million"), (1000, "thousand"), (1, "")):
        group, n = divmod(n, scale)
        if group:
            tokens += _english_below_thousand(group)
            if word:
                tokens.append(word)
    return tokens


def german_text(tokens: Sequence[str]) -> str:
    """German tokens written as a reader would: one word below a million,
    with spaces only around "Million"/"Millionen" ("eine Million
    dreihunderttausend")."""
    words, current = [], ""
    for token in tokens:
        if token in _GERMAN_MILLION:
            words += [current, token] if current else [token]
            current = ""
        else:
            current += token
    if current:
        words.append(current)
    return " ".join(words)


def english_text(tokens: Sequence[str]) -> str:
    """English tokens written as a reader would, with a hyphen between tens
    and units ("three hundred twenty-four")."""
    text = ""
    for i, token in enumerate(tokens):
        hyphen = (
            i > 0 and tokens[i - 1] in _ENGLISH_TENS[2:] and token in _ENGLISH_UNITS[1:]
        )
        text += ("-" if hyphen else " " if i > 0 else "") + token
    return text


@dataclass(frozen=True)
class NumberTranslationTask:
    """A seeded, value-disjoint split of German-to-English number words.

    Attributes:
        train, valid, test: Lists of ``(german_tokens, english_tokens)`` pairs.
        train_numbers, valid_numbers, test_numbers: The numbers of those pairs,
            in the same order; no number is in two splits.
        max_value: The largest number that could be drawn.
        seed: The seed the split was drawn with.
    """

    train: list
    valid: list
    test: list
    train_numbers: tuple[int, ...]
    valid_numbers: tuple[int, ...]
    test_numbers: tuple[int, ...]
    max_value: int
    seed: int

    def translation_data(self) -> TranslationData:
        """The split as the translation chapters' :class:`TranslationData`,
        with vocabularies of every training token (``<pad>``, ``<bos>`` and
        ``<eos>`` reserved), for ``encode_pairs`` and the decoders."""
        return TranslationData(
            train=self.train,
            valid=self.valid,
            test=self.test,
            src_vocab=Vocab((s for s, _ in self.train), reserved=SPECIALS),
            tgt_vocab=Vocab((t for _, t in self.train), reserved=SPECIALS),
        )


def _digit_quotas(total: int, sizes: Sequence[int]) -> list[int]:
    """Share ``total`` draws as evenly as possible among classes holding
    ``sizes`` numbers, none taking more than it holds (water filling)."""
    quotas = [0] * len(sizes)
    open_classes = list(range(len(sizes)))
    left = total
    while left and open_classes:
        share, extra = divmod(left, len(open_classes))
        for rank, k in enumerate(open_classes):
            quotas[k] += min(share + (rank < extra), sizes[k] - quotas[k])
        left = total - sum(quotas)
        open_classes = [k for k in open_classes if quotas[k] < sizes[k]]
    return quotas


def _split_counts(count: int, fractions: Sequence[float]) -> list[int]:
    """``count`` items cut by ``fractions`` (largest remainders), summing to
    ``count``."""
    exact = [count * f for f in fractions]
    counts = [int(x) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: counts[i] - exact[i])
    for i in by_remainder[: count - sum(counts)]:
        counts[i] += 1
    return counts


def number_translation_task(
    *,
    seed: int = 0,
    num_train: int = 10_000,
    num_valid: int = 1000,
    num_test: int = 1000,
    max_value: int = 999_999,
) -> NumberTranslationTask:
    """Draw distinct numbers from 0 to ``max_value`` and split them.

    The number of digits is spread evenly: each digit count gets an equal
    share of the draws (a class that holds fewer numbers, such as the ten
    one-digit ones, gives all it has and the others share the rest), and the
    numbers within a class are uniform. Each digit class is then cut into
    train, validation and test in proportion to the requested sizes, so all
    three splits have the same spread of lengths. The numbers are distinct,
    so the splits are disjoint by construction.
    """
    for name, value in (
        ("seed", seed),
        ("num_train", num_train),
        ("num_valid", num_valid),
        ("num_test", num_test),
        ("max_value", max_value),
    ):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int, got {value!r}")
    if num_train < 1 or num_valid < 0 or num_test < 1:
        raise ValueError(
            "need num_train >= 1, num_valid >= 0 and num_test >= 1, got"
            f" {num_train}, {num_valid} and {num_test}"
        )
    if not 9 <= max_value <= MAX_NUMBER:
        raise ValueError(
            f"max_value must lie in [9, {MAX_NUMBER:,}], got {max_value:,}"
        )
    total = num_train + num_valid + num_test
    if total > max_value + 1:
        raise ValueError(
            f"asked for {total:,} distinct numbers but 0..{max_value:,} holds"
            f" only {max_value + 1:,}; raise max_value or ask for fewer"
        )
    # Digit classes: 0..9, 10..99, ..., up to max_value.
    bounds = [(0, 9)]
    while bounds[-1][1] < max_value:
        low = bounds[-1][1] + 1
        bounds.append((low, min(10 * low - 1, max_value)))
    quotas = _digit_quotas(total, [high - low + 1 for low, high in bounds])
    fractions = [num_train / total, num_valid / total, num_test / total]
    rng = random.Random(seed)
    splits = ([], [], [])
    for (low, high), quota in zip(bounds, quotas, strict=True):
        drawn = rng.sample(range(low, high + 1), quota)
        start = 0
        for split, count in zip(splits, _split_counts(quota, fractions), strict=True):
            split += drawn[start : start + count]
            start += count
    # Largest-remainder cuts per class can leave a split one or two off its
    # requested size; move numbers from the largest split to fix that.
    wanted = [num_train, num_valid, num_test]
    for i in (1, 2):
        while len(splits[i]) > wanted[i]:
            splits[0].append(splits[i].pop())
        while len(splits[i]) < wanted[i]:
            splits[i].append(splits[0].pop())
    for split in splits:
        rng.shuffle(split)
    pairs = [[(german(n), english(n)) for n in split] for split in splits]
    return NumberTranslationTask(
        train=pairs[0],
        valid=pairs[1],
        test=pairs[2],
        train_numbers=tuple(splits[0]),
        valid_numbers=tuple(splits[1]),
        test_numbers=tuple(splits[2]),
        max_value=max_value,
        seed=seed,
    )


def length_bucket(length: int, edges: Sequence[int]) -> str:
    """The label of the length bucket ``length`` falls in.

    ``edges`` are the increasing upper ends of all buckets but the last:
    with ``edges=(4, 8)`` the buckets are "1-4", "5-8" and "9+".
    """
    if length < 1:
        raise ValueError(f"a sequence length is at least 1, got {length}")
    if (
        not edges
        or any(not isinstance(edge, int) for edge in edges)
        or edges[0] < 1
        or any(b <= a for a, b in itertools.pairwise(edges))
    ):
        raise ValueError(
            f"edges must be increasing positive ints, such as (4, 8), got {edges!r}"
        )
    low = 1
    for edge in edges:
        if length <= edge:
            return f"{low}-{edge}" if edge > low else f"{low}"
        low = edge + 1
    return f"{low}+"


def exact_match(
    references: Sequence[Sequence[str]], hypotheses: Sequence[Sequence[str]]
) -> float:
    """The fraction of hypotheses equal to their reference, token for token."""
    if len(references) != len(hypotheses):
        raise ValueError(
            f"{len(references)} references but {len(hypotheses)} hypotheses;"
            " pass one hypothesis per reference, in the same order"
        )
    if not references:
        raise ValueError("exact_match needs at least one reference")
    matches = sum(
        list(r) == list(h) for r, h in zip(references, hypotheses, strict=True)
    )
    return matches / len(references)


def buckets_by_length(
    lengths: Sequence[int], edges: Sequence[int]
) -> dict[str, list[int]]:
    """The positions of ``lengths`` in each length bucket (see
    :func:`length_bucket`): ``{label: [i, ...]}`` for the non-empty buckets,
    shortest first, positions in their original order."""
    groups: dict[str, list[int]] = {}
    for i, length in enumerate(lengths):
        groups.setdefault(length_bucket(length, edges), []).append(i)
    labels = [length_bucket(edge, edges) for edge in edges]
    labels.append(length_bucket(edges[-1] + 1, edges))
    return {label: groups[label] for label in labels if label in groups}


def exact_match_by_length(
    sources: Sequence[Sequence[str]],
    references: Sequence[Sequence[str]],
    hypotheses: Sequence[Sequence[str]],
    edges: Sequence[int],
) -> dict[str, tuple[float, int]]:
    """Exact match per source-length bucket (see :func:`length_bucket`).

    Returns ``{label: (exact match, number of pairs)}`` for the non-empty
    buckets, shortest first.
    """
    if not len(sources) == len(references) == len(hypotheses):
        raise ValueError(
            f"got {len(sources)} sources, {len(references)} references and"
            f" {len(hypotheses)} hypotheses; they must be parallel lists"
        )
    buckets = buckets_by_length([len(source) for source in sources], edges)
    return {
        label: (
            exact_match([references[i] for i in rows], [hypotheses[i] for i in rows]),
            len(rows),
        )
        for label, rows in buckets.items()
    }
