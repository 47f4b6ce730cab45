import math

import pytest

from dlbook.translation import corpus_bleu
from dlbook.translation_eval import (
    RetrievalBaseline,
    bleu,
    chrf,
    copy_source,
    paired_bootstrap,
    score_by_length,
)

REFERENCES = [
    "the cat sat on the mat",
    "a dog barked at the old man",
    "we walked home in the rain",
    "she reads a book every week",
]
HYPOTHESES = [
    "the cat sat on a mat",
    "a dog barked at an old man",
    "we walked home in rain",
    "she reads one book every week",
]


def test_bleu_matches_an_independent_implementation():
    # Lower-case words without punctuation: sacreBLEU's tokeniser leaves them
    # as they are, and every n-gram precision is above 0 (no smoothing).
    expected = corpus_bleu(
        [r.split() for r in REFERENCES], [h.split() for h in HYPOTHESES]
    )
    assert 0 < expected < 1
    assert bleu(HYPOTHESES, REFERENCES) == pytest.approx(100 * expected)
    assert bleu(REFERENCES, REFERENCES) == pytest.approx(100)


def test_chrf_gives_partial_credit_for_the_right_stem():
    assert chrf(REFERENCES, REFERENCES) == pytest.approx(100)
    assert chrf(["xyz qqq"], ["abc def"]) == 0
    stem = chrf(["Die H\u00e4user sind alt."], ["Die H\u00e4usern sind alt."])
    other = chrf(["Die Autos sind alt."], ["Die H\u00e4usern sind alt."])
    assert other < stem < 100


def test_scores_reject_mismatched_or_tokenised_input():
    with pytest.raises(ValueError, match="4 hypotheses but 3 references"):
        bleu(HYPOTHESES, REFERENCES[:3])
    with pytest.raises(ValueError, match="at least one reference"):
        chrf([], [])
    with pytest.raises(TypeError, match="detokenised text"):
        bleu([h.split() for h in HYPOTHESES], REFERENCES)


def test_bootstrap_of_identical_systems_is_zero():
    result = paired_bootstrap(bleu, HYPOTHESES, list(HYPOTHESES), REFERENCES)
    assert result.difference == 0
    assert result.low == result.high == 0
    assert (
        result.score_a == result.score_b == pytest.approx(bleu(HYPOTHESES, REFERENCES))
    )


def test_bootstrap_puts_perfect_output_far_above_empty_output():
    references = REFERENCES * 10
    result = paired_bootstrap(chrf, references, [""] * 40, references, samples=200)
    assert result.difference == pytest.approx(100)
    assert result.low > 95


def accuracy(hypotheses, references):
    """Share of exact matches: a corpus metric whose bootstrap is known."""
    return sum(h == r for h, r in zip(hypotheses, references, strict=True)) / len(
        references
    )


def test_bootstrap_interval_matches_the_normal_approximation():
    # A is always right, B on every other sentence: the difference is the share
    # of B's misses, 0.5, with standard error sqrt(0.25 / n).
    n = 400
    references = [f"sentence {i}" for i in range(n)]
    half = [r if i % 2 else "wrong" for i, r in enumerate(references)]
    result = paired_bootstrap(
        accuracy, references, half, references, samples=2000, seed=1
    )
    assert result.difference == 0.5
    half_width = 1.96 * math.sqrt(0.25 / n)
    assert result.low == pytest.approx(0.5 - half_width, abs=0.01)
    assert result.high == pytest.approx(0.5 + half_width, abs=0.01)


@pytest.mark.parametrize("metric", [bleu, chrf])
def test_fast_bootstrap_equals_rescoring_every_resample(metric):
    references = REFERENCES * 3
    a = HYPOTHESES * 3
    b = [h.split(" ", 1)[1] for h in a]  # every sentence missing its first word
    fast = paired_bootstrap(metric, a, b, references, samples=50, seed=4)
    slow = paired_bootstrap(
        lambda h, r: metric(h, r), a, b, references, samples=50, seed=4
    )
    assert fast.difference == pytest.approx(slow.difference)
    assert fast.low == pytest.approx(slow.low)
    assert fast.high == pytest.approx(slow.high)
    assert fast.low < fast.difference < fast.high


def test_bootstrap_is_seeded_and_checks_its_arguments():
    args = (chrf, HYPOTHESES * 10, REFERENCES * 10, REFERENCES * 10)
    assert paired_bootstrap(*args, seed=3) == paired_bootstrap(*args, seed=3)
    assert paired_bootstrap(*args, seed=3) != paired_bootstrap(*args, seed=5)
    with pytest.raises(ValueError, match="3 hypotheses but 4 references"):
        paired_bootstrap(bleu, HYPOTHESES[:3], HYPOTHESES, REFERENCES)
    with pytest.raises(ValueError, match="samples"):
        paired_bootstrap(bleu, HYPOTHESES, HYPOTHESES, REFERENCES, samples=0)


# "die", "ist" and "heute" are common; "Katze" is in one sentence only.
TRAIN = [
    ("Die Sonne ist heute hei\u00df.", "The sun is hot today."),
    ("Eine Katze schl\u00e4ft.", "A cat is sleeping."),
    ("Die Milch ist heute kalt.", "The milk is cold today."),
    ("Die T\u00fcr ist heute offen.", "The door is open today."),
    ("Die Stra\u00dfe ist heute nass.", "The street is wet today."),
    ("Die Suppe ist hei\u00df.", "The soup is hot."),
    ("Die Uhr ist kaputt.", "The clock is broken."),
    ("Die Bank ist zu.", "The bank is closed."),
    ("Die Farbe ist rot.", "The colour is red."),
    ("Die Luft ist heute klar.", "The air is clear today."),
]


def test_retrieval_prefers_one_rare_shared_word_to_many_common_ones():
    source = "Die Katze ist heute m\u00fcde."
    baseline = RetrievalBaseline(TRAIN)
    assert baseline.translate([source]) == ["A cat is sleeping."]
    # Counting shared words alone would pick the first sentence (three shared).
    words = set(source.lower().rstrip(".").split())
    overlaps = [len(words & set(s.lower().rstrip(".").split())) for s, _ in TRAIN]
    assert overlaps.index(max(overlaps)) == 0 and max(overlaps) == 3


def test_retrieval_breaks_ties_by_training_order():
    baseline = RetrievalBaseline(TRAIN)
    # "heute" alone: five sentences share it equally; the first of them wins.
    assert baseline.nearest("Heute nicht!") == 0
    assert baseline.nearest("Nichts davon passt.") == 0
    with pytest.raises(TypeError, match="list of sentences"):
        baseline.translate("Die Katze ist heute m\u00fcde.")
    with pytest.raises(ValueError, match="at least one training pair"):
        RetrievalBaseline([])


def test_copy_source_returns_the_sources():
    sources = ["Die Katze ist m\u00fcde.", "Berlin 2024."]
    assert copy_source(sources) == sources
    assert copy_source(sources) is not sources


def test_score_by_length_scores_each_bucket_as_its_own_corpus():
    lengths = [3, 9, 4, 12]  # buckets 1-5, 6-10, 1-5, 11+
    scores = score_by_length(chrf, lengths, HYPOTHESES, REFERENCES, edges=(5, 10))
    assert list(scores) == ["1-5", "6-10", "11+"]
    assert scores["1-5"] == (chrf(HYPOTHESES[::2], REFERENCES[::2]), 2)
    assert scores["6-10"] == (chrf(HYPOTHESES[1:2], REFERENCES[1:2]), 1)
    assert scores["11+"] == (chrf(HYPOTHESES[3:], REFERENCES[3:]), 1)
    # A bucket is not the mean of its sentences' scores: chrF pools n-grams.
    assert scores["1-5"][0] != pytest.approx(
        (chrf(HYPOTHESES[:1], REFERENCES[:1]) + chrf(HYPOTHESES[2:3], REFERENCES[2:3]))
        / 2
    )
    # Empty buckets are left out.
    assert list(score_by_length(bleu, [1, 2, 3, 4], HYPOTHESES, REFERENCES, (5,))) == [
        "1-5"
    ]
    with pytest.raises(ValueError, match="3 source lengths but 4 references"):
        score_by_length(chrf, lengths[:3], HYPOTHESES, REFERENCES, edges=(5,))
