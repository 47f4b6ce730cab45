"""How good a translation is: sacreBLEU's scores, baselines, bootstrap intervals.

Scores are sacreBLEU's corpus BLEU and chrF on detokenised text (what a reader
would see), so that they compare with published numbers computed the same way.
A score means little without reference points, so two baselines that learn no
translation at all are scored on the same sentences: copying the source, and
retrieving the translation of the most similar training sentence. And a
difference between two systems means little without its uncertainty, which
:func:`paired_bootstrap` estimates by resampling the test sentences.
"""

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sacrebleu.metrics import BLEU, CHRF

from dlbook.number_words import buckets_by_length
from dlbook.text import tokenize

Metric = Callable[[Sequence[str], Sequence[str]], float]

# The source-length buckets, in subword pieces, that the translation chapters
# score the real pairs' test split in: 1-6, 7-10, 11-15 and 16+ pieces.
SOURCE_LENGTH_EDGES = (6, 10, 15)


def _check_texts(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references):
        raise ValueError(
            f"{len(hypotheses)} hypotheses but {len(references)} references: pass"
            " one hypothesis per reference, in the same order"
        )
    if len(references) == 0:
        raise ValueError("no sentences to score: pass at least one reference")
    for name, texts in (("hypotheses", hypotheses), ("references", references)):
        bad = next((text for text in texts if not isinstance(text, str)), None)
        if bad is not None:
            raise TypeError(
                f"{name} must be strings of detokenised text, got a"
                f" {type(bad).__name__} ({bad!r}); decode token indices with"
                " SubwordTokenizer.decode first"
            )


def bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacreBLEU's corpus BLEU (0-100) of detokenised hypotheses, one reference
    each, with its default settings (``13a`` tokenisation, case-sensitive)."""
    _check_texts(hypotheses, references)
    return BLEU().corpus_score(list(hypotheses), [list(references)]).score


def chrf(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """sacreBLEU's corpus chrF (0-100): the F-score (recall weighted twice as
    much as precision) of character n-grams up to 6, so that a word with the
    right stem but the wrong ending still earns part of its credit."""
    _check_texts(hypotheses, references)
    return CHRF().corpus_score(list(hypotheses), [list(references)]).score


# The metrics whose corpus score is a function of per-sentence counts summed
# over the corpus, so that a resample needs only a sum, not a new scoring.
_SACREBLEU_METRICS = {bleu: BLEU, chrf: CHRF}


@dataclass(frozen=True)
class BootstrapResult:
    """Two systems' scores and the confidence interval of their difference.

    Attributes:
        score_a, score_b: Each system's score on all the sentences.
        difference: ``score_a - score_b``.
        low, high: The interval's ends (percentiles of the resampled
            differences).
        confidence: Its level, such as 0.95.
    """

    score_a: float
    score_b: float
    difference: float
    low: float
    high: float
    confidence: float


def paired_bootstrap(
    metric: Metric,
    hypotheses_a: Sequence[str],
    hypotheses_b: Sequence[str],
    references: Sequence[str],
    *,
    samples: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> BootstrapResult:
    """How much system A beats system B by, with a percentile bootstrap interval.

    Each of ``samples`` resamples draws as many test sentences as there are,
    with replacement, and scores both systems' translations of the same
    sentences with the corpus ``metric``; the interval holds the central
    ``confidence`` share of the resampled differences. An interval that
    excludes 0 says that the difference is unlikely to be an accident of which
    sentences happen to be in the test set (it says nothing about training
    again with another seed).

    ``metric`` is :func:`bleu`, :func:`chrf` (both resampled quickly, from
    per-sentence counts) or any function ``metric(hypotheses, references)``
    of corpus-level score.
    """
    _check_texts(hypotheses_a, references)
    _check_texts(hypotheses_b, references)
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1), got {confidence}")
    n = len(references)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, n, size=(samples, n))  # (samples, n) sentence indices
    if metric in _SACREBLEU_METRICS:
        scorer = _SACREBLEU_METRICS[metric]()
        # (samples, n): how often each resample draws each sentence.
        counts = np.stack([np.bincount(row, minlength=n) for row in draws])
        resampled = []
        for hypotheses in (hypotheses_a, hypotheses_b):
            stats = np.array(  # (n, number of counts)
                scorer._extract_corpus_statistics(list(hypotheses), [list(references)]),
                dtype=np.int64,
            )
            totals = counts @ stats  # (samples, number of counts)
            resampled.append(
                np.array(
                    [
                        scorer._compute_score_from_stats(row.tolist()).score
                        for row in totals
                    ]
                )
            )
        differences = resampled[0] - resampled[1]
    else:
        differences = np.array(
            [
                metric([hypotheses_a[i] for i in row], [references[i] for i in row])
                - metric([hypotheses_b[i] for i in row], [references[i] for i in row])
                for row in draws.tolist()
            ]
        )
    score_a = metric(hypotheses_a, references)
    score_b = metric(hypotheses_b, references)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(differences, [tail, 100 - tail])
    return BootstrapResult(
        score_a, score_b, score_a - score_b, float(low), float(high), confidence
    )


def score_by_length(
    metric: Metric,
    lengths: Sequence[int],
    hypotheses: Sequence[str],
    references: Sequence[str],
    edges: Sequence[int],
) -> dict[str, tuple[float, int]]:
    """The corpus ``metric`` of each source-length bucket of a test set.

    ``lengths[i]`` is the length of sentence ``i``'s source (in whatever unit
    the buckets are meant in, such as subword pieces); ``edges`` are the
    buckets' upper ends as in :func:`dlbook.number_words.length_bucket`.
    Returns ``{label: (score, number of sentences)}`` for the non-empty
    buckets, shortest first. Each bucket is scored as a corpus of its own, so
    a bucket's score is comparable across systems, not to the whole test set's.
    """
    _check_texts(hypotheses, references)
    if len(lengths) != len(references):
        raise ValueError(
            f"{len(lengths)} source lengths but {len(references)} references:"
            " pass one length per test sentence, in the same order"
        )
    buckets = buckets_by_length(lengths, edges)
    return {
        label: (
            metric([hypotheses[i] for i in rows], [references[i] for i in rows]),
            len(rows),
        )
        for label, rows in buckets.items()
    }


def copy_source(sources: Sequence[str]) -> list[str]:
    """The trivial baseline: each source sentence, untranslated, as its own
    translation (names, numbers and shared words still score)."""
    return list(sources)


def _words(text: str) -> set[str]:
    """The lower-cased word types of ``text``, punctuation left out."""
    return {token for token in tokenize(text) if any(c.isalnum() for c in token)}


class RetrievalBaseline:
    """A translator that learns no translation: it looks the sentence up.

    For a source sentence it returns the target side of the training pair
    whose source shares the most *rare* words with it: each shared word type
    counts its inverse document frequency ``log(N / df)``, where ``df`` of the
    ``N`` training sources contain it, so that sharing ``Fahrrad`` counts far
    more than sharing ``die``. Ties go to the earlier training pair; a sentence
    that shares no word gets the first pair's target.

    Args:
        pairs: The training ``(source, target)`` pairs.
    """

    def __init__(self, pairs: Sequence[tuple[str, str]]):
        if len(pairs) == 0:
            raise ValueError("RetrievalBaseline needs at least one training pair")
        self.pairs = list(pairs)
        self.index: dict[str, list[int]] = {}
        for i, (source, _) in enumerate(self.pairs):
            for word in _words(source):
                self.index.setdefault(word, []).append(i)
        n = len(self.pairs)
        self.idf = {word: math.log(n / len(ids)) for word, ids in self.index.items()}

    def nearest(self, source: str) -> int:
        """The index of the training pair whose source shares the most rare
        words with ``source``."""
        scores = Counter()
        # In a fixed order, so that equal sums are equal to the last bit.
        for word in sorted(_words(source)):
            for i in self.index.get(word, ()):
                scores[i] += self.idf[word]
        if not scores:
            return 0
        return min(scores, key=lambda i: (-scores[i], i))

    def translate(self, sources: Sequence[str]) -> list[str]:
        """The retrieved target sentence for each source sentence."""
        if isinstance(sources, str):
            raise TypeError("translate takes a list of sentences, not one string")
        return [self.pairs[self.nearest(source)][1] for source in sources]
