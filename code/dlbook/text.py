"""Turning text into integer sequences: tokenisation, vocabularies and padding.

The sequence chapters (language models, the surname classifier, sentiment
analysis) and the translation chapters all use these, so that a token means the
same index everywhere it is reused.
"""

import itertools
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import torch

# Letters and digits in any script (so "Stück" stays one word), an internal
# apostrophe ("don't"), or any other single non-space symbol.
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?|[^\w\s]|_")


def tokenize(text: str, level: str = "word", lowercase: bool = True) -> list[str]:
    """Split ``text`` into characters (``level="char"``) or words and punctuation.

    Words keep an internal apostrophe (``"don't"``); every other non-space symbol
    is a token of its own. With ``lowercase`` the text is lower-cased first.
    """
    if level not in ("char", "word"):
        raise ValueError(f"level must be 'char' or 'word', got {level!r}")
    if lowercase:
        text = text.lower()
    if level == "char":
        return list(text)
    return _WORD.findall(text)


class Vocab:
    """A two-way map between tokens and indices, most frequent tokens first.

    Args:
        tokens: The training tokens (a flat iterable, or an iterable of token
            lists) the vocabulary is built from.
        min_freq: Tokens seen fewer times map to the unknown token.
        reserved: Special tokens placed first, in this order; ``"<unk>"`` is always
            among them (added at the front if missing).
    """

    UNK = "<unk>"

    def __init__(
        self,
        tokens: Iterable,
        min_freq: int = 1,
        reserved: Sequence[str] = (),
    ):
        flat = [
            t for item in tokens for t in ([item] if isinstance(item, str) else item)
        ]
        self.token_freqs = Counter(flat)
        reserved = list(reserved) if self.UNK in reserved else [self.UNK, *reserved]
        # Ties broken alphabetically, so the same text always gives the same indices.
        ranked = sorted(self.token_freqs.items(), key=lambda kv: (-kv[1], kv[0]))
        self.idx_to_token = reserved + [
            t for t, count in ranked if count >= min_freq and t not in reserved
        ]
        self.token_to_idx = {t: i for i, t in enumerate(self.idx_to_token)}
        self.unk = self.token_to_idx[self.UNK]

    def __len__(self) -> int:
        return len(self.idx_to_token)

    def __getitem__(self, token: str) -> int:
        return self.token_to_idx.get(token, self.unk)

    def __contains__(self, token: str) -> bool:
        return token in self.token_to_idx

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Indices of ``tokens``; unknown tokens map to ``<unk>``."""
        return [self[t] for t in tokens]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """Tokens of ``indices`` (ints or a 1-D tensor)."""
        if isinstance(indices, torch.Tensor):
            if indices.ndim != 1:
                raise ValueError(
                    f"decode takes a 1-D tensor, got {tuple(indices.shape)}"
                )
            indices = indices.tolist()
        return [self.idx_to_token[i] for i in indices]


def contiguous_split(
    items: Sequence, fractions: Sequence[float] = (0.9, 0.05, 0.05)
) -> list:
    """Cut a sequence into consecutive parts of the given fractions.

    For text this keeps held-out parts away from the training part, so that no
    sentence is split between them and nothing seen in training is evaluated.
    """
    if any(f <= 0 for f in fractions) or abs(sum(fractions) - 1) > 1e-9:
        raise ValueError(f"fractions must be positive and sum to 1, got {fractions}")
    bounds, total = [0], 0.0
    for fraction in fractions:
        total += fraction
        bounds.append(round(total * len(items)))
    return [items[a:b] for a, b in itertools.pairwise(bounds)]


def pad_batch(
    sequences: Sequence[Sequence[int]], pad_index: int, max_len: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad integer sequences into one tensor.

    Returns:
        A ``(batch, length)`` int64 tensor padded with ``pad_index`` at the end, and
        the ``(batch,)`` lengths before padding (after truncation to ``max_len``).
    """
    if len(sequences) == 0:
        raise ValueError("pad_batch needs at least one sequence")
    lengths = [min(len(s), max_len) if max_len else len(s) for s in sequences]
    if min(lengths) == 0:
        raise ValueError("pad_batch got an empty sequence; drop it or add a token")
    batch = torch.full((len(sequences), max(lengths)), pad_index, dtype=torch.int64)
    for row, (sequence, length) in enumerate(zip(sequences, lengths, strict=True)):
        batch[row, :length] = torch.as_tensor(
            list(sequence[:length]), dtype=torch.int64
        )
    return batch, torch.tensor(lengths, dtype=torch.int64)


class BucketBatchSampler(torch.utils.data.Sampler):
    """Batches of similar length, in a fresh random order every epoch.

    Padding a short sequence to the length of the longest one in its batch
    wastes computation on padding tokens. This sampler shuffles the examples,
    cuts the shuffled order into pools of ``pool_batches`` batches, sorts each
    pool by length, cuts it into batches, and shuffles the batches. Batches then
    hold sequences of nearly the same length while every epoch still sees them
    in a new random order. Pass it to ``DataLoader(batch_sampler=...)``.

    Args:
        lengths: The length of each example (any number the padding depends on).
        batch_size: Examples per batch (the last batch of a pool may be smaller).
        generator: Seeded ``torch.Generator`` for reproducible shuffling.
        pool_batches: Batches per sorted pool; larger pools pad less but mix less.
    """

    def __init__(
        self,
        lengths: Sequence[int],
        batch_size: int,
        generator: torch.Generator | None = None,
        pool_batches: int = 50,
    ):
        if batch_size < 1 or pool_batches < 1:
            raise ValueError(
                f"batch_size and pool_batches must be positive, got {batch_size}"
                f" and {pool_batches}"
            )
        self.lengths = torch.as_tensor(lengths)
        self.batch_size = batch_size
        self.generator = generator
        self.pool_size = batch_size * pool_batches

    def __iter__(self):
        order = torch.randperm(len(self.lengths), generator=self.generator)
        batches = []
        for pool in order.split(self.pool_size):
            # A stable sort keeps the random order among equal lengths.
            by_length = pool[self.lengths[pool].argsort(stable=True)]
            batches.extend(b.tolist() for b in by_length.split(self.batch_size))
        for i in torch.randperm(len(batches), generator=self.generator).tolist():
            yield batches[i]

    def __len__(self) -> int:
        full_pools, rest = divmod(len(self.lengths), self.pool_size)
        per_pool = -(-self.pool_size // self.batch_size)
        return full_pools * per_pool + -(-rest // self.batch_size)
