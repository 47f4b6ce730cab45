"""Language-model data and baselines shared by the sequence chapters.

A language model assigns a probability to each next token. The chapters compare
an n-gram model with recurrent networks on the same held-out text by perplexity,
the exponential of the average negative log-likelihood per predicted token.
"""

import math
from collections import Counter

import torch


def lm_windows(ids: torch.Tensor, seq_len: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Cut a 1-D token stream into non-overlapping training windows.

    Returns inputs ``X`` and targets ``Y``, each ``(num_windows, seq_len)``, where
    ``Y`` is ``X`` shifted one token ahead. The tail that does not fill a window
    is dropped.
    """
    if ids.ndim != 1:
        raise ValueError(f"ids must be a 1-D token stream, got {tuple(ids.shape)}")
    num_windows = (len(ids) - 1) // seq_len
    if num_windows < 1:
        raise ValueError(
            f"a stream of {len(ids)} tokens is too short for windows of {seq_len}"
        )
    usable = num_windows * seq_len
    X = ids[:usable].view(num_windows, seq_len)  # (num_windows, seq_len)
    Y = ids[1 : usable + 1].view(num_windows, seq_len)
    return X, Y


class NGramModel:
    """An n-gram language model with add-k smoothing.

    The probability of a token given the ``n - 1`` before it is its count after
    that context plus ``k``, over the context's count plus ``k`` times the
    vocabulary size, so that every token keeps some probability.
    """

    def __init__(self, n: int, vocab_size: int, k: float = 1.0):
        if n < 1 or vocab_size < 1 or k <= 0:
            raise ValueError(
                f"need n >= 1, vocab_size >= 1 and k > 0; got n={n},"
                f" vocab_size={vocab_size}, k={k}"
            )
        self.n, self.vocab_size, self.k = n, vocab_size, k
        self.counts: Counter = Counter()
        self.context_counts: Counter = Counter()

    def fit(self, ids) -> "NGramModel":
        """Count every n-gram of a training stream of token indices."""
        ids = list(map(int, ids))
        for i in range(self.n - 1, len(ids)):
            context = tuple(ids[i - self.n + 1 : i])
            self.counts[(*context, ids[i])] += 1
            self.context_counts[context] += 1
        return self

    def log_prob(self, context: tuple[int, ...], token: int) -> float:
        """Natural log of P(token | the last n - 1 tokens of context)."""
        context = tuple(context[len(context) - self.n + 1 :]) if self.n > 1 else ()
        numerator = self.counts[(*context, token)] + self.k
        denominator = self.context_counts[context] + self.k * self.vocab_size
        return math.log(numerator / denominator)

    def perplexity(self, ids) -> float:
        """Perplexity on a held-out stream, predicting every token after the
        first ``n - 1`` (which serve only as context)."""
        ids = list(map(int, ids))
        if len(ids) < self.n:
            raise ValueError(f"need at least {self.n} tokens, got {len(ids)}")
        total = sum(
            self.log_prob(tuple(ids[i - self.n + 1 : i]), ids[i])
            for i in range(self.n - 1, len(ids))
        )
        return math.exp(-total / (len(ids) - self.n + 1))
