"""Language-model data and baselines shared by the sequence chapters.

A language model assigns a probability to each next token. The chapters compare
an n-gram model with recurrent networks on the same held-out text by perplexity,
the exponential of the average negative log-likelihood per predicted token.
"""

import math
from collections import Counter
from dataclasses import dataclass

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from dlbook.data import load_austen
from dlbook.text import Vocab, contiguous_split, tokenize
from dlbook.training import History, SequenceCrossEntropyLoss, evaluate, fit

# The n-gram grid every chapter tunes on the validation text: orders and add-k
# smoothing constants (sec-seq-language-models explains the choice).
NGRAM_ORDERS = tuple(range(1, 7))
NGRAM_K_GRID = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)


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


@dataclass(frozen=True)
class CharCorpus:
    """A novel as character indices, split into consecutive parts.

    Attributes:
        vocab: The characters of the training part (lower-cased).
        train, valid, test: 1-D ``LongTensor`` streams of indices.
    """

    vocab: Vocab
    train: torch.Tensor
    valid: torch.Tensor
    test: torch.Tensor


def austen_characters(
    novel: str = "prideprejudice",
    fractions: tuple[float, float, float] = (0.9, 0.05, 0.05),
    *,
    root=None,
) -> CharCorpus:
    """The sequence chapters' shared setup: a Jane Austen novel, lower-cased and
    split into characters, cut into its first 90 % for training and two
    consecutive 5 % parts for validation and test, with the vocabulary built on
    the training part only."""
    text = load_austen(novel, root=root)
    parts = contiguous_split(text, fractions)
    vocab = Vocab(tokenize(parts[0], level="char"))
    train, valid, test = (
        torch.tensor(vocab.encode(tokenize(part, level="char"))) for part in parts
    )
    return CharCorpus(vocab, train, valid, test)


@dataclass(frozen=True)
class TunedNGram:
    """The add-k n-gram model that the validation text chose.

    Attributes:
        model: The chosen :class:`NGramModel`, its ``k`` set.
        valid_perplexity: ``(n, k)`` -> validation perplexity, the whole grid.
        test_perplexity: The chosen model's perplexity on the test text.
    """

    model: "NGramModel"
    valid_perplexity: dict[tuple[int, float], float]
    test_perplexity: float


def tune_ngram(
    corpus: CharCorpus,
    orders=NGRAM_ORDERS,
    k_grid=NGRAM_K_GRID,
) -> TunedNGram:
    """Count the training text once per order, score every ``k`` on the
    validation text, and keep the pair of lowest validation perplexity."""
    train, valid = corpus.train.tolist(), corpus.valid.tolist()
    models, valid_perplexity = {}, {}
    for n in orders:
        models[n] = NGramModel(n, len(corpus.vocab)).fit(train)
        for k in k_grid:
            models[n].k = k  # k is only used when scoring: no need to recount
            valid_perplexity[n, k] = models[n].perplexity(valid)
    best_n, best_k = min(valid_perplexity, key=valid_perplexity.get)
    model = models[best_n]
    model.k = best_k
    return TunedNGram(model, valid_perplexity, model.perplexity(corpus.test.tolist()))


@dataclass(frozen=True)
class LanguageModelBudget:
    """What every character language model of the book is trained with, so
    that models compared on it differ only in their architecture.

    Training windows of ``seq_len`` characters (each from a fresh state),
    evaluation windows of ``eval_len``, batches of ``batch_size`` in one seeded
    order for every model, Adam at ``lr`` with a cosine decay over
    ``num_epochs``, gradients clipped to norm ``clip_grad_norm``.
    """

    seq_len: int = 64
    eval_len: int = 256
    batch_size: int = 64
    lr: float = 5e-3
    num_epochs: int = 5
    clip_grad_norm: float = 1.0


def train_char_language_model(
    model: nn.Module,
    corpus: CharCorpus,
    budget: LanguageModelBudget,
    *,
    seed: int = 0,
    device=None,
) -> tuple[History, float]:
    """Train ``model`` (token indices ``(batch, seq)`` -> next-token logits
    ``(batch, seq, vocab)``) on ``corpus`` with ``budget``; the validation text
    is evaluated after every epoch and the test text once at the end.

    Returns the :class:`~dlbook.training.History` and the test perplexity.
    """
    train_loader = DataLoader(
        TensorDataset(*lm_windows(corpus.train, budget.seq_len)),
        batch_size=budget.batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),  # same batches for all
    )
    valid_loader, test_loader = (
        DataLoader(TensorDataset(*lm_windows(ids, budget.eval_len)), batch_size=512)
        for ids in (corpus.valid, corpus.test)
    )
    loss_fn = SequenceCrossEntropyLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=budget.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, budget.num_epochs)
    history = fit(
        model,
        train_loader,
        loss_fn,
        optimizer,
        budget.num_epochs,
        valid_loader=valid_loader,
        scheduler=scheduler,
        clip_grad_norm=budget.clip_grad_norm,
        device=device,
    )
    test_loss = evaluate(model, test_loader, loss_fn, device)["test_loss"]
    return history, math.exp(test_loss)
