import random
from collections import Counter

import numpy as np
import pytest

from dlbook.number_words import (
    MAX_NUMBER,
    english,
    english_text,
    exact_match,
    exact_match_by_length,
    german,
    german_text,
    length_bucket,
    number_translation_task,
)
from dlbook.translation import BOS, EOS, encode_pairs

# Spellings as a German or American reader writes them, typed by hand.
KNOWN = [
    (0, "null", "zero"),
    (1, "eins", "one"),
    (7, "sieben", "seven"),
    (11, "elf", "eleven"),
    (12, "zwölf", "twelve"),
    (15, "fünfzehn", "fifteen"),
    (16, "sechzehn", "sixteen"),
    (17, "siebzehn", "seventeen"),
    (20, "zwanzig", "twenty"),
    (21, "einundzwanzig", "twenty-one"),
    (30, "dreißig", "thirty"),
    (35, "fünfunddreißig", "thirty-five"),
    (60, "sechzig", "sixty"),
    (70, "siebzig", "seventy"),
    (99, "neunundneunzig", "ninety-nine"),
    (100, "einhundert", "one hundred"),
    (101, "einhunderteins", "one hundred one"),
    (110, "einhundertzehn", "one hundred ten"),
    (121, "einhunderteinundzwanzig", "one hundred twenty-one"),
    (324, "dreihundertvierundzwanzig", "three hundred twenty-four"),
    (1000, "eintausend", "one thousand"),
    (1001, "eintausendeins", "one thousand one"),
    (2026, "zweitausendsechsundzwanzig", "two thousand twenty-six"),
    (21_000, "einundzwanzigtausend", "twenty-one thousand"),
    (100_000, "einhunderttausend", "one hundred thousand"),
    (101_000, "einhunderteintausend", "one hundred one thousand"),
    (
        999_999,
        "neunhundertneunundneunzigtausendneunhundertneunundneunzig",
        "nine hundred ninety-nine thousand nine hundred ninety-nine",
    ),
    (1_000_000, "eine Million", "one million"),
    (1_000_001, "eine Million eins", "one million one"),
    (2_000_000, "zwei Millionen", "two million"),
    (
        2_300_000,
        "zwei Millionen dreihunderttausend",
        "two million three hundred thousand",
    ),
    (21_000_000, "einundzwanzig Millionen", "twenty-one million"),
    (101_000_000, "einhunderteine Millionen", "one hundred one million"),
    (
        MAX_NUMBER,
        "neunhundertneunundneunzig Millionen"
        " neunhundertneunundneunzigtausendneunhundertneunundneunzig",
        "nine hundred ninety-nine million nine hundred ninety-nine thousand"
        " nine hundred ninety-nine",
    ),
]


@pytest.mark.parametrize(("n", "de", "en"), KNOWN)
def test_known_spellings(n, de, en):
    assert german_text(german(n)) == de
    assert english_text(english(n)) == en


def test_tokens_are_morphemes():
    assert german(324) == ["drei", "hundert", "vier", "und", "zwanzig"]
    assert english(324) == ["three", "hundred", "twenty", "four"]
    assert german(21) == ["ein", "und", "zwanzig"]
    assert german(1_001_000) == ["eine", "Million", "ein", "tausend"]
    assert english(1_001_000) == ["one", "million", "one", "thousand"]


GERMAN_VALUES = {
    "eins": 1, "ein": 1, "eine": 1, "zwei": 2, "drei": 3, "vier": 4,
    "fünf": 5, "sechs": 6, "sieben": 7, "acht": 8, "neun": 9, "zehn": 10,
    "elf": 11, "zwölf": 12, "dreizehn": 13, "vierzehn": 14, "fünfzehn": 15,
    "sechzehn": 16, "siebzehn": 17, "achtzehn": 18, "neunzehn": 19,
    "zwanzig": 20, "dreißig": 30, "vierzig": 40, "fünfzig": 50,
    "sechzig": 60, "siebzig": 70, "achtzig": 80, "neunzig": 90,
}  # fmt: skip
ENGLISH_VALUES = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
SCALES = {"hundert": 100, "hundred": 100, "tausend": 1000, "thousand": 1000,
          "Million": 10**6, "Millionen": 10**6, "million": 10**6}  # fmt: skip


def read_number(tokens, values):
    """An independent reader of number words: add word values, multiply the
    current group by "hundred", and close a group at "thousand"/"million".
    "und" needs no rule: units and tens add up in either order."""
    if tokens in (["null"], ["zero"]):
        return 0
    total = group = 0
    for token in tokens:
        if token == "und":
            continue
        if token in SCALES and SCALES[token] == 100:
            group *= 100
        elif token in SCALES:
            total += group * SCALES[token]
            group = 0
        else:
            group += values[token]
    return total + group


def test_tokens_read_back_to_the_number():
    rng = random.Random(0)
    numbers = [*range(2000), *(rng.randrange(MAX_NUMBER + 1) for _ in range(5000))]
    for n in numbers:
        assert read_number(german(n), GERMAN_VALUES) == n, german(n)
        assert read_number(english(n), ENGLISH_VALUES) == n, english(n)


def test_german_one_forms():
    """eins only at the very end, ein before hundert/tausend/und, eine before
    Million(en)."""
    rng = random.Random(1)
    for n in (rng.randrange(MAX_NUMBER + 1) for _ in range(3000)):
        tokens = german(n)
        for i, token in enumerate(tokens):
            if token == "eins":
                assert i == len(tokens) - 1
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if token == "ein":
                assert nxt in ("hundert", "tausend", "und")
            if token == "eine":
                assert nxt in ("Million", "Millionen")
        assert ("Million" in tokens) == (1_000_000 <= n < 2_000_000)


def test_out_of_range_and_wrong_types():
    with pytest.raises(ValueError, match="0 to 999,999,999"):
        german(MAX_NUMBER + 1)
    with pytest.raises(ValueError, match="0 to 999,999,999"):
        english(-1)
    with pytest.raises(TypeError):
        german(3.0)
    with pytest.raises(TypeError):
        english(True)
    assert german(np.int64(21)) == german(21)


def small_task(seed=0, max_value=99_999):
    return number_translation_task(
        seed=seed, num_train=800, num_valid=100, num_test=100, max_value=max_value
    )


def test_task_is_deterministic_and_seeded():
    a, b, c = small_task(0), small_task(0), small_task(1)
    assert a == b
    assert a.test_numbers != c.test_numbers
    assert set(a.train_numbers) != set(c.train_numbers)


def test_splits_have_the_requested_sizes_and_are_disjoint():
    task = number_translation_task(
        seed=3, num_train=1234, num_valid=56, num_test=789, max_value=999_999
    )
    sizes = [len(task.train_numbers), len(task.valid_numbers), len(task.test_numbers)]
    assert sizes == [1234, 56, 789]
    assert [len(task.train), len(task.valid), len(task.test)] == sizes
    train, valid, test = map(
        set, (task.train_numbers, task.valid_numbers, task.test_numbers)
    )
    assert len(train) + len(valid) + len(test) == sum(sizes)
    assert not train & test and not train & valid and not valid & test
    # Distinct numbers have distinct German words, so no test source is a
    # training source either.
    train_sources = {tuple(s) for s, _ in task.train}
    assert not any(tuple(s) in train_sources for s, _ in task.test)
    assert all(0 <= n <= 999_999 for n in train | valid | test)


def test_pairs_match_their_numbers():
    task = small_task()
    for n, (src, tgt) in zip(task.test_numbers, task.test, strict=True):
        assert src == german(n) and tgt == english(n)


def test_digit_counts_are_spread_evenly():
    task = number_translation_task(
        seed=0, num_train=6000, num_valid=0, num_test=3000, max_value=999_999
    )
    # 1-, 2- and 3-digit numbers are too few for an equal share (10, 90 and
    # 900 of them): they are all drawn, and 4 to 6 digits share the rest.
    every = task.train_numbers + task.test_numbers
    digits = Counter(len(str(n)) for n in every)
    assert digits[1] == 10 and digits[2] == 90 and digits[3] == 900
    assert {digits[4], digits[5], digits[6]} <= {2666, 2667}
    # The test split has the same spread, up to rounding.
    test_digits = Counter(len(str(n)) for n in task.test_numbers)
    for d in range(1, 7):
        assert abs(test_digits[d] - digits[d] / 3) <= 2


def test_numbers_within_a_digit_class_are_uniform():
    task = number_translation_task(
        seed=0, num_train=20_000, num_valid=0, num_test=1, max_value=99_999
    )
    five_digits = [n for n in task.train_numbers if n >= 10_000]
    assert len(five_digits) > 9000
    # Leading digits 1..9 equally likely: about 1/9 each (standard error 0.003).
    leading = Counter(str(n)[0] for n in five_digits)
    assert len(leading) == 9
    for count in leading.values():
        assert abs(count / len(five_digits) - 1 / 9) < 0.01


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"num_train": 900, "num_test": 200, "max_value": 999}, ValueError,
         "holds only 1,000"),
        ({"max_value": 10**9}, ValueError, "max_value"),
        ({"max_value": 5}, ValueError, "max_value"),
        ({"num_test": 0}, ValueError, "num_test >= 1"),
        ({"num_valid": -1}, ValueError, "num_valid >= 0"),
        ({"seed": 1.5}, TypeError, "seed"),
    ],
)  # fmt: skip
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        number_translation_task(**{"num_valid": 10, **kwargs})


def test_translation_data_encodes_every_split():
    task = small_task()
    data = task.translation_data()
    assert data.test == task.test
    src, tgt = encode_pairs(data, "test")[0]
    assert data.src_vocab.decode(src) == [*task.test[0][0], EOS]
    assert data.tgt_vocab.decode(tgt) == [BOS, *task.test[0][1], EOS]
    # Every test token is a vocabulary entry: no <unk> on this task.
    unk = data.tgt_vocab.unk
    assert all(unk not in t for _, t in encode_pairs(data, "test"))


def test_length_bucket():
    edges = (3, 5, 9)
    labels = [length_bucket(n, edges) for n in (1, 3, 4, 5, 6, 9, 10, 17)]
    assert labels == ["1-3", "1-3", "4-5", "4-5", "6-9", "6-9", "10+", "10+"]
    assert length_bucket(2, (1, 2)) == "2"
    with pytest.raises(ValueError, match="increasing"):
        length_bucket(3, (5, 4))
    with pytest.raises(ValueError, match="at least 1"):
        length_bucket(0, edges)


def test_exact_match_and_its_buckets():
    refs = [["a"], ["b", "c"], ["d"], ["e", "f"]]
    hyps = [["a"], ["b"], ["d"], ["e", "f"]]
    assert exact_match(refs, hyps) == 0.75
    sources = [["x"] * 2, ["x"] * 2, ["x"] * 7, ["x"] * 12]
    scores = exact_match_by_length(sources, refs, hyps, edges=(4, 8))
    assert list(scores) == ["1-4", "5-8", "9+"]
    assert scores == {"1-4": (0.5, 2), "5-8": (1.0, 1), "9+": (1.0, 1)}
    with pytest.raises(ValueError, match="one hypothesis per reference"):
        exact_match(refs, hyps[:3])
    with pytest.raises(ValueError, match="parallel"):
        exact_match_by_length(sources[:3], refs, hyps, edges=(4, 8))
