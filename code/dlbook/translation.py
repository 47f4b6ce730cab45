"""Machine translation: the data pipeline, the decoder interface, decoding, BLEU.

The three translation chapters (encoder-decoder, attention, Transformer) train
different models on the same German-English split and score them the same way.
So that the only difference between them is the model, the split, the
vocabularies, greedy decoding, beam search and BLEU live here, and every model
implements :class:`Seq2Seq`.
"""

import math
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from dlbook.text import Vocab, pad_batch, tokenize

PAD, BOS, EOS = "<pad>", "<bos>", "<eos>"
SPECIALS = (PAD, BOS, EOS)


@dataclass(frozen=True)
class TranslationData:
    """A seeded train/validation/test split of sentence pairs, tokenised.

    Attributes:
        train, valid, test: Lists of ``(source_tokens, target_tokens)`` pairs.
        src_vocab, tgt_vocab: Built on the training pairs only; ``<pad>``,
            ``<bos>`` and ``<eos>`` are reserved in both.
    """

    train: list
    valid: list
    test: list
    src_vocab: Vocab
    tgt_vocab: Vocab


def prepare_translation_data(
    pairs: Sequence[tuple[str, str]],
    *,
    seed: int = 0,
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    min_freq: int = 2,
    max_len: int | None = 20,
) -> TranslationData:
    """Tokenise sentence pairs (lower-cased words and punctuation), drop pairs
    longer than ``max_len`` tokens on either side, shuffle them with ``seed``
    and split them; the vocabularies keep tokens seen ``min_freq`` times in
    training."""
    if abs(sum(fractions) - 1) > 1e-9 or len(fractions) != 3:
        raise ValueError(f"fractions must be three numbers summing to 1: {fractions}")
    tokenised = [(tokenize(src), tokenize(tgt)) for src, tgt in pairs]
    if max_len is not None:
        tokenised = [
            (s, t)
            for s, t in tokenised
            if 0 < len(s) <= max_len and 0 < len(t) <= max_len
        ]
    random.Random(seed).shuffle(tokenised)
    n_train = round(fractions[0] * len(tokenised))
    n_valid = round(fractions[1] * len(tokenised))
    train = tokenised[:n_train]
    valid = tokenised[n_train : n_train + n_valid]
    test = tokenised[n_train + n_valid :]
    return TranslationData(
        train=train,
        valid=valid,
        test=test,
        src_vocab=Vocab((s for s, _ in train), min_freq=min_freq, reserved=SPECIALS),
        tgt_vocab=Vocab((t for _, t in train), min_freq=min_freq, reserved=SPECIALS),
    )


def encode_pairs(
    data: TranslationData, split: str
) -> list[tuple[list[int], list[int]]]:
    """Index a split: sources end with ``<eos>``; targets are wrapped in
    ``<bos>`` ... ``<eos>``."""
    src_vocab, tgt_vocab = data.src_vocab, data.tgt_vocab
    return [
        (
            src_vocab.encode([*src, EOS]),
            tgt_vocab.encode([BOS, *tgt, EOS]),
        )
        for src, tgt in getattr(data, split)
    ]


def collate_pairs(batch, src_pad: int, tgt_pad: int):
    """Pad a batch of encoded pairs for teacher forcing.

    Returns ``((src, src_len, tgt_in), tgt_out)``: the inputs a :class:`Seq2Seq`
    model's ``forward`` takes, and the targets, ``tgt_in`` shifted by one token.
    """
    src, src_len = pad_batch([s for s, _ in batch], src_pad)
    tgt, _ = pad_batch([t for _, t in batch], tgt_pad)
    return (src, src_len, tgt[:, :-1]), tgt[:, 1:]


class Seq2Seq(nn.Module):
    """The interface every translation model in the book implements.

    ``forward`` is used for training with teacher forcing; ``encode``,
    ``init_state``, ``step`` and ``reorder`` are what greedy decoding and beam
    search need, one target token at a time.
    """

    def forward(self, src, src_len, tgt_in):
        """Logits ``(batch, tgt_len, tgt_vocab)`` given the true previous tokens."""
        raise NotImplementedError

    def encode(self, src, src_len):
        """Whatever the decoder attends to or starts from (``memory``)."""
        raise NotImplementedError

    def init_state(self, memory, src_len):
        """The decoder's state before the first target token."""
        raise NotImplementedError

    def step(self, tokens, state, memory, src_len):
        """Logits ``(batch, tgt_vocab)`` of the next token after ``tokens``
        ``(batch,)``, and the new state."""
        raise NotImplementedError

    def reorder(self, state, memory, src_len, index):
        """Select (and repeat) batch entries ``index`` of the state and memory,
        as beam search does when it keeps the best hypotheses."""
        raise NotImplementedError


def _check_inputs(src: torch.Tensor, src_len: torch.Tensor) -> None:
    if src.ndim != 2 or src_len.ndim != 1 or len(src) != len(src_len):
        raise ValueError(
            f"need src (batch, src_len) and src_len (batch,); got {tuple(src.shape)}"
            f" and {tuple(src_len.shape)}"
        )


def _banned(scores: torch.Tensor, ban: Sequence[int]) -> torch.Tensor:
    if len(ban) == 0:
        return scores
    scores = scores.clone()
    scores[:, list(ban)] = -math.inf
    return scores


@torch.no_grad()
def greedy_decode(
    model: Seq2Seq,
    src: torch.Tensor,
    src_len: torch.Tensor,
    bos: int,
    eos: int,
    max_len: int = 30,
    ban: Sequence[int] = (),
) -> list[list[int]]:
    """The most likely next token at every step, for a batch of sources.

    Tokens in ``ban`` (such as ``<unk>``, which can never match a reference
    word) are never produced. Returns one list of target indices per source,
    without ``<bos>`` and ``<eos>``.
    """
    _check_inputs(src, src_len)
    model.eval()
    memory = model.encode(src, src_len)
    state = model.init_state(memory, src_len)
    tokens = torch.full((len(src),), bos, dtype=torch.long, device=src.device)
    outputs = [[] for _ in range(len(src))]
    finished = torch.zeros(len(src), dtype=torch.bool, device=src.device)
    for _ in range(max_len):
        logits, state = model.step(tokens, state, memory, src_len)
        tokens = _banned(logits, ban).argmax(dim=-1)
        for i in torch.nonzero(~finished).flatten().tolist():
            if tokens[i].item() != eos:
                outputs[i].append(tokens[i].item())
        finished |= tokens == eos
        if finished.all():
            break
    return outputs


@torch.no_grad()
def beam_search(
    model: Seq2Seq,
    src: torch.Tensor,
    src_len: torch.Tensor,
    bos: int,
    eos: int,
    beam_size: int = 4,
    max_len: int = 30,
    length_penalty: float = 0.75,
    ban: Sequence[int] = (),
) -> list[int]:
    """Beam search for one source sentence (``src`` of shape ``(1, src_len)``).

    Keeps the ``beam_size`` most probable prefixes at each step. Finished
    hypotheses are ranked by their log-probability divided by
    ``length ** length_penalty``, so that longer outputs are not penalised merely
    for having more factors below one. ``beam_size=1`` is greedy decoding.
    Tokens in ``ban`` are never produced.
    """
    _check_inputs(src, src_len)
    if len(src) != 1:
        raise ValueError(f"beam_search decodes one sentence at a time, got {len(src)}")
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")
    model.eval()
    memory = model.encode(src, src_len)
    state = model.init_state(memory, src_len)
    beams = [([], 0.0)]  # (tokens, log-probability) of the live hypotheses
    finished = []
    tokens = torch.tensor([bos], device=src.device)
    lengths = src_len
    for _ in range(max_len):
        logits, state = model.step(tokens, state, memory, lengths)
        log_probs = _banned(torch.log_softmax(logits, dim=-1), ban)  # (live, vocab)
        scores = torch.tensor([s for _, s in beams], device=src.device)[:, None]
        top = (scores + log_probs).flatten().topk(beam_size)
        vocab_size = log_probs.shape[1]
        next_beams, keep, next_tokens = [], [], []
        for score, flat in zip(top.values.tolist(), top.indices.tolist(), strict=True):
            parent, token = divmod(flat, vocab_size)
            prefix = beams[parent][0]
            if token == eos:
                finished.append((prefix, score))
            else:
                next_beams.append(([*prefix, token], score))
                keep.append(parent)
                next_tokens.append(token)
        if not next_beams or len(finished) >= beam_size:
            break
        beams = next_beams
        index = torch.tensor(keep, device=src.device)
        state, memory, lengths = model.reorder(state, memory, lengths, index)
        tokens = torch.tensor(next_tokens, device=src.device)
    return best_hypothesis(finished or beams, length_penalty)


def best_hypothesis(
    hypotheses: list[tuple[list[int], float]], length_penalty: float
) -> list[int]:
    """The tokens of the ``(tokens, log-probability)`` pair with the best
    length-normalised score, ``log-probability / (len(tokens) + 1) **
    length_penalty`` (the ``+ 1`` counts the ``<eos>``); the first on a tie."""
    if not hypotheses:
        raise ValueError("best_hypothesis needs at least one hypothesis")

    def normalised(hypothesis):
        tokens, score = hypothesis
        return score / (len(tokens) + 1) ** length_penalty

    return max(hypotheses, key=normalised)[0]


@torch.no_grad()
def beam_search_batch(
    model: Seq2Seq,
    src: torch.Tensor,
    src_len: torch.Tensor,
    bos: int,
    eos: int,
    beam_size: int = 4,
    max_len: int = 30,
    length_penalty: float = 0.75,
    ban: Sequence[int] = (),
) -> list[list[int]]:
    """Beam search for a batch of sources: for each, what :func:`beam_search`
    returns for it alone, in one decoder call per step for the whole batch.

    Every sentence owns ``beam_size`` consecutive rows of the decoder's batch,
    one per live hypothesis; a row whose hypothesis has ended scores ``-inf``,
    so that its continuations are never chosen. Each step ranks the
    ``beam_size * vocab`` continuations of every sentence together and keeps
    its best ``beam_size``, exactly as :func:`beam_search` does, and a sentence
    leaves the batch once :func:`beam_search` would stop on it (``beam_size``
    hypotheses finished, or none left alive). Returns one list of target
    indices per source, without ``<bos>`` and ``<eos>``.

    The results are :func:`beam_search`'s as long as the decoder computes each
    row as it would alone; a kernel that rounds differently in a larger batch
    can, rarely, swap two near-equal hypotheses. At least ``beam_size`` tokens
    must be allowed (not in ``ban``).
    """
    _check_inputs(src, src_len)
    if beam_size < 1:
        raise ValueError(f"beam_size must be at least 1, got {beam_size}")
    model.eval()
    device = src.device
    memory = model.encode(src, src_len)
    state = model.init_state(memory, src_len)
    lengths = src_len
    results = [[] for _ in range(len(src))]
    # Per source: its live hypotheses, best first, as (tokens, log-probability),
    # and its finished ones. `active` lists the sources still in the batch.
    beams = [[([], 0.0)] for _ in range(len(src))]
    finished = [[] for _ in range(len(src))]
    active = list(range(len(src)))
    tokens = torch.full((len(src),), bos, dtype=torch.long, device=device)
    # (active, slots): one slot per source before the first step; the scores
    # are built as beam_search builds them, so that the sums match bit for bit.
    scores = torch.zeros(len(src), 1, device=device)
    for _ in range(max_len):
        logits, state = model.step(tokens, state, memory, lengths)
        # (active * slots, vocab)
        log_probs = _banned(torch.log_softmax(logits, dim=-1), ban)
        vocab_size = log_probs.shape[1]
        allowed = vocab_size - len(set(ban))
        if allowed < beam_size:
            raise ValueError(
                f"beam_size={beam_size} is larger than the {allowed} tokens that"
                " are not banned; use a smaller beam"
            )
        slots = scores.shape[1]
        # (active * slots, vocab) -> (active, slots * vocab): one row per source
        candidates = (scores.reshape(-1, 1) + log_probs).reshape(len(active), -1)
        top = candidates.topk(beam_size, dim=1)  # (active, beam_size)
        index, next_tokens, next_scores, still_active = [], [], [], []
        for row, (source, values, flats) in enumerate(
            zip(active, top.values.tolist(), top.indices.tolist(), strict=True)
        ):
            next_beams, parents = [], []
            for score, flat in zip(values, flats, strict=True):
                if score == -math.inf:
                    # Only an ended slot, or a token the model itself rules
                    # out, scores -inf; beam_search never reaches one when
                    # enough tokens are allowed.
                    continue
                slot, token = divmod(flat, vocab_size)
                prefix = beams[source][slot][0]
                if token == eos:
                    finished[source].append((prefix, score))
                else:
                    next_beams.append(([*prefix, token], score))
                    parents.append(row * slots + slot)
            if not next_beams or len(finished[source]) >= beam_size:
                results[source] = best_hypothesis(
                    finished[source] or beams[source], length_penalty
                )
                continue
            beams[source] = next_beams
            still_active.append(source)
            # Ended slots copy the best hypothesis's row and score -inf.
            empty = beam_size - len(next_beams)
            live_tokens = [prefix[-1] for prefix, _ in next_beams]
            index += parents + parents[:1] * empty
            next_tokens += live_tokens + live_tokens[:1] * empty
            next_scores.append([s for _, s in next_beams] + [-math.inf] * empty)
        active = still_active
        if not active:
            break
        state, memory, lengths = model.reorder(
            state, memory, lengths, torch.tensor(index, device=device)
        )
        tokens = torch.tensor(next_tokens, device=device)
        scores = torch.tensor(next_scores, device=device)
    # Sources still searching after max_len steps.
    for source in active:
        results[source] = best_hypothesis(
            finished[source] or beams[source], length_penalty
        )
    return results


def corpus_bleu(
    references: Sequence[Sequence[str]],
    hypotheses: Sequence[Sequence[str]],
    max_n: int = 4,
) -> float:
    """Corpus-level BLEU of tokenised hypotheses against one reference each.

    The geometric mean of the modified n-gram precisions for n = 1..``max_n``
    (clipped counts summed over the corpus before dividing), times the brevity
    penalty ``exp(1 - r / c)`` when the hypotheses are shorter in total (c) than
    the references (r). Returns a number in [0, 1]; 0 if some precision is 0.
    """
    if len(references) != len(hypotheses):
        raise ValueError(
            f"{len(references)} references but {len(hypotheses)} hypotheses"
        )
    matches, totals = [0] * max_n, [0] * max_n
    ref_length = hyp_length = 0
    for reference, hypothesis in zip(references, hypotheses, strict=True):
        ref_length += len(reference)
        hyp_length += len(hypothesis)
        for n in range(1, max_n + 1):
            ref_counts = Counter(
                tuple(reference[i : i + n]) for i in range(len(reference) - n + 1)
            )
            hyp_counts = Counter(
                tuple(hypothesis[i : i + n]) for i in range(len(hypothesis) - n + 1)
            )
            matches[n - 1] += sum(min(c, ref_counts[g]) for g, c in hyp_counts.items())
            totals[n - 1] += max(len(hypothesis) - n + 1, 0)
    if hyp_length == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals, strict=True))
    brevity = min(0.0, 1 - ref_length / hyp_length)
    return math.exp(brevity + log_precision / max_n)
