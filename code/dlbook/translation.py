"""Machine translation: the data pipeline, the decoder interface, decoding, BLEU.

The three translation chapters (encoder-decoder, attention, Transformer) train
different models on the same German-English split and score them the same way.
So that the only difference between them is the model, the split, the
vocabularies, greedy decoding, beam search and BLEU live here, and every model
implements :class:`Seq2Seq`.
"""

import copy
import math
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from dlbook.text import BucketBatchSampler, Vocab, pad_batch, tokenize
from dlbook.training import SequenceCrossEntropyLoss, evaluate, train_epoch

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


class GRUSeq2Seq(Seq2Seq):
    """GRU encoder; GRU decoder that starts from and re-reads the encoder's
    final state (the context vector), in the style of Cho et al. (2014)."""

    def __init__(
        self,
        src_vocab_size,
        tgt_vocab_size,
        embed_size=128,
        hidden_size=256,
        dropout=0.2,
    ):
        super().__init__()
        self.src_embedding = nn.Embedding(src_vocab_size, embed_size)
        self.tgt_embedding = nn.Embedding(tgt_vocab_size, embed_size)
        self.encoder = nn.GRU(embed_size, hidden_size, batch_first=True)
        self.decoder = nn.GRU(embed_size + hidden_size, hidden_size, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.output = nn.Linear(hidden_size, tgt_vocab_size)

    def encode(self, src, src_len):
        embedded = self.dropout(self.src_embedding(src))
        # Packing stops the GRU at each sentence's last real token.
        packed = nn.utils.rnn.pack_padded_sequence(
            embedded, src_len.cpu(), batch_first=True, enforce_sorted=False
        )
        _, context = self.encoder(packed)
        return context  # (1, batch, hidden)

    def init_state(self, memory, src_len):
        return memory

    def decode(self, tgt, state, memory):
        """Logits (batch, tgt_len, vocab) for tokens tgt (batch, tgt_len)."""
        embedded = self.dropout(self.tgt_embedding(tgt))
        # (1, batch, hidden) -> (batch, tgt_len, hidden): one copy per step
        context = memory[0][:, None].expand(-1, tgt.shape[1], -1)
        outputs, state = self.decoder(torch.cat([embedded, context], -1), state)
        return self.output(self.dropout(outputs)), state

    def forward(self, src, src_len, tgt_in):
        memory = self.encode(src, src_len)
        state = self.init_state(memory, src_len)
        logits, _ = self.decode(tgt_in, state, memory)
        return logits

    def step(self, tokens, state, memory, src_len):
        # (batch,) -> (batch, 1): a target sequence of length one
        logits, state = self.decode(tokens[:, None], state, memory)
        return logits[:, 0], state

    def reorder(self, state, memory, src_len, index):
        # The batch is the second axis of GRU states: (layers, batch, hidden).
        return state[:, index], memory[:, index], src_len[index]


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

    Tokens in ``ban`` are never produced (a vocabulary with an unknown-word
    token would ban it). Returns one list of target indices per source,
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


def warmup_linear_decay(
    optimizer: torch.optim.Optimizer, warmup_steps: int, total_steps: int
) -> torch.optim.lr_scheduler.LambdaLR:
    """A schedule stepped after every update: the learning rate rises linearly
    from 0 to the optimizer's ``lr`` over ``warmup_steps`` updates, then falls
    linearly to 0 at update ``total_steps``. With ``warmup_steps=0`` it only
    decays."""
    if not 0 <= warmup_steps < total_steps:
        raise ValueError(
            f"need 0 <= warmup_steps < total_steps, got {warmup_steps} and"
            f" {total_steps}"
        )

    def scale(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        return max(0.0, (total_steps - step) / (total_steps - warmup_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, scale)


@dataclass(frozen=True)
class TranslatorRecipe:
    """How a translator is trained: Adam with a warm-up and linear decay of the
    learning rate over all updates, gradient clipping, optional label smoothing.
    """

    num_epochs: int
    lr: float
    batch_size: int = 64
    warmup_steps: int = 0
    clip_grad_norm: float = 1.0
    label_smoothing: float = 0.0


@dataclass(frozen=True)
class TranslatorRun:
    """What :func:`train_translator` did.

    Attributes:
        history: One row per epoch: ``train_loss`` and ``valid_loss`` (mean
            cross-entropy per target token, without label smoothing for the
            validation loss), ``seconds`` of training and validation.
        best_epoch: The epoch of the lowest validation loss, whose weights the
            model holds when training ends.
        train_seconds: Wall time of the training passes alone.
    """

    history: list[dict[str, float]]
    best_epoch: int
    train_seconds: float

    @property
    def best_valid_loss(self) -> float:
        return self.history[self.best_epoch - 1]["valid_loss"]


def train_translator(
    model: Seq2Seq,
    train_pairs: Sequence[tuple[list[int], list[int]]],
    valid_pairs: Sequence[tuple[list[int], list[int]]],
    recipe: TranslatorRecipe,
    *,
    src_pad: int,
    tgt_pad: int,
    generator: torch.Generator,
    device: torch.device | str = "cpu",
) -> TranslatorRun:
    """Train ``model`` on encoded pairs (as :func:`encode_pairs` makes them)
    with teacher forcing, and keep the weights of the epoch with the lowest
    validation loss.

    Batches come from a :class:`~dlbook.text.BucketBatchSampler` seeded by
    ``generator``. The test split plays no part: the checkpoint is chosen on
    ``valid_pairs``.
    """
    if len(train_pairs) == 0 or len(valid_pairs) == 0:
        raise ValueError("train_translator needs training and validation pairs")
    device = torch.device(device)
    model.to(device)

    def collate(batch):
        return collate_pairs(batch, src_pad, tgt_pad)

    sampler = BucketBatchSampler(
        [len(s) + len(t) for s, t in train_pairs],
        recipe.batch_size,
        generator=generator,
    )
    train_loader = torch.utils.data.DataLoader(
        train_pairs, batch_sampler=sampler, collate_fn=collate
    )
    by_length = sorted(valid_pairs, key=lambda pair: len(pair[0]) + len(pair[1]))
    valid_loader = torch.utils.data.DataLoader(
        by_length, batch_size=256, collate_fn=collate
    )
    train_loss = SequenceCrossEntropyLoss(
        ignore_index=tgt_pad, label_smoothing=recipe.label_smoothing
    )
    valid_loss = SequenceCrossEntropyLoss(ignore_index=tgt_pad)
    optimizer = torch.optim.Adam(model.parameters(), lr=recipe.lr, betas=(0.9, 0.98))
    schedule = warmup_linear_decay(
        optimizer, recipe.warmup_steps, recipe.num_epochs * len(train_loader)
    )
    history, best_state, train_seconds = [], None, 0.0
    for _ in range(recipe.num_epochs):
        start = time.perf_counter()
        row = train_epoch(
            model,
            train_loader,
            train_loss,
            optimizer,
            device,
            clip_grad_norm=recipe.clip_grad_norm,
            on_batch=lambda _: schedule.step(),
        )
        train_seconds += time.perf_counter() - start
        row |= evaluate(model, valid_loader, valid_loss, device, prefix="valid")
        row["seconds"] = time.perf_counter() - start
        history.append(row)
        if row["valid_loss"] <= min(r["valid_loss"] for r in history):
            best_state = copy.deepcopy(model.state_dict())
    best_epoch = 1 + min(range(len(history)), key=lambda i: history[i]["valid_loss"])
    model.load_state_dict(best_state)
    return TranslatorRun(history, best_epoch, train_seconds)


@torch.no_grad()
def decode_sources(
    model: Seq2Seq,
    sources: Sequence[Sequence[int]],
    *,
    pad: int,
    bos: int,
    eos: int,
    beam_size: int = 1,
    batch_size: int = 128,
    device: torch.device | str = "cpu",
) -> list[list[int]]:
    """Translate encoded sources (each ending with ``<eos>``), greedily when
    ``beam_size`` is 1 and with :func:`beam_search_batch` otherwise.

    Sources are decoded in batches of similar length, and each output may be at
    most twice its batch's longest source plus 10 tokens. Returns the target
    indices of every source, in the order given, without ``<bos>``/``<eos>``.
    """
    order = sorted(range(len(sources)), key=lambda i: len(sources[i]))
    outputs: list[list[int]] = [[] for _ in sources]
    for start in range(0, len(order), batch_size):
        rows = order[start : start + batch_size]
        src, src_len = pad_batch([list(sources[i]) for i in rows], pad)
        src = src.to(device)
        max_len = 2 * src.shape[1] + 10
        if beam_size == 1:
            decoded = greedy_decode(model, src, src_len, bos, eos, max_len=max_len)
        else:
            decoded = beam_search_batch(
                model, src, src_len, bos, eos, beam_size=beam_size, max_len=max_len
            )
        for i, tokens in zip(rows, decoded, strict=True):
            outputs[i] = tokens
    return outputs
