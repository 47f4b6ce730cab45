import math
import random

import pytest
import sacrebleu
import torch
from torch import nn
from torch.utils.data import DataLoader

from dlbook.text import pad_batch
from dlbook.training import SequenceCrossEntropyLoss, evaluate, fit
from dlbook.translation import (
    BOS,
    EOS,
    PAD,
    GRUSeq2Seq,
    Seq2Seq,
    TranslatorRecipe,
    beam_search,
    beam_search_batch,
    best_hypothesis,
    collate_pairs,
    corpus_bleu,
    decode_sources,
    encode_pairs,
    greedy_decode,
    prepare_translation_data,
    train_translator,
    warmup_linear_decay,
)


def sacre(references, hypotheses):
    score = sacrebleu.corpus_bleu(
        [" ".join(h) for h in hypotheses],
        [[" ".join(r) for r in references]],
        tokenize="none",
        force=True,
    )
    return score.score / 100


def test_bleu_of_a_perfect_translation_is_one():
    refs = [["the", "cat", "sat", "on", "the", "mat"]]
    assert corpus_bleu(refs, refs) == pytest.approx(1.0)


def test_bleu_matches_sacrebleu_on_random_corpora():
    rng = random.Random(0)
    words = ["a", "b", "c", "d", "e", "f", "g", "h"]
    for _ in range(20):
        refs, hyps = [], []
        for _ in range(rng.randint(3, 8)):
            ref = [rng.choice(words) for _ in range(rng.randint(4, 12))]
            hyp = [w if rng.random() < 0.7 else rng.choice(words) for w in ref]
            hyp = hyp[: rng.randint(max(len(hyp) - 3, 4), len(hyp))]
            refs.append(ref)
            hyps.append(hyp)
        assert corpus_bleu(refs, hyps) == pytest.approx(sacre(refs, hyps), abs=1e-6)


def test_bleu_brevity_penalty_and_zero_precision():
    refs = [list("abcdefgh")]
    short = [list("abcd")]
    assert corpus_bleu(refs, short) == pytest.approx(math.exp(1 - 8 / 4))
    assert corpus_bleu(refs, [list("xyzw")]) == 0.0
    with pytest.raises(ValueError, match="2 references but 1 hypotheses"):
        corpus_bleu(refs * 2, short)


def pairs(n=200):
    return [
        (f"ich sehe {i % 7} rote katzen .", f"i see {i % 7} red cats .")
        for i in range(n)
    ]


def test_prepare_translation_data_splits_and_builds_vocabularies_on_training():
    data = prepare_translation_data(pairs(), seed=1, min_freq=1)
    assert (len(data.train), len(data.valid), len(data.test)) == (160, 20, 20)
    assert data.src_vocab.idx_to_token[:4] == ["<unk>", PAD, BOS, EOS]
    assert data.train[0][0][:2] == ["ich", "sehe"]
    again = prepare_translation_data(pairs(), seed=1, min_freq=1)
    assert again.test == data.test
    assert prepare_translation_data(pairs(), seed=2, min_freq=1).test != data.test
    long = [("ein " * 30, "a " * 30), ("hallo .", "hello .")]
    assert len(prepare_translation_data(long, fractions=(0.5, 0.25, 0.25)).train) <= 1


def test_encode_and_collate_for_teacher_forcing():
    data = prepare_translation_data(pairs(20), min_freq=1, fractions=(0.5, 0.25, 0.25))
    encoded = encode_pairs(data, "train")
    src, tgt = encoded[0]
    assert data.src_vocab.decode(src)[-1] == EOS
    assert (
        data.tgt_vocab.decode(tgt)[0] == BOS and data.tgt_vocab.decode(tgt)[-1] == EOS
    )
    (src_b, src_len, tgt_in), tgt_out = collate_pairs(encoded[:3], 1, 1)
    assert src_b.shape == (3, src_len.max().item())
    torch.testing.assert_close(tgt_in[:, 1:], tgt_out[:, :-1])


class TableModel(Seq2Seq):
    """A decoder whose next-token distribution depends only on the last token."""

    def __init__(self, table):
        super().__init__()
        self.table = torch.log(torch.tensor(table))

    def encode(self, src, src_len):
        return src

    def init_state(self, memory, src_len):
        return None

    def step(self, tokens, state, memory, src_len):
        return self.table[tokens], state

    def reorder(self, state, memory, src_len, index):
        return state, memory[index], src_len[index]


# Tokens: 0 BOS, 1 EOS, 2 "a", 3 "b". Greedy picks "a" (0.6) then is stuck with
# p(EOS | a) = 0.3; "b" (0.4) then EOS with 0.95 is more probable overall.
TABLE = [
    [1e-9, 1e-9, 0.6, 0.4],
    [0.25, 0.25, 0.25, 0.25],
    [1e-9, 0.3, 0.35, 0.35],
    [1e-9, 0.95, 0.025, 0.025],
]


def test_beam_search_finds_what_greedy_misses():
    model = TableModel(TABLE)
    src, src_len = torch.zeros(1, 2, dtype=torch.long), torch.tensor([2])
    greedy = greedy_decode(model, src, src_len, bos=0, eos=1, max_len=5)[0]
    assert greedy[0] == 2  # greedy commits to "a"
    assert beam_search(model, src, src_len, bos=0, eos=1, beam_size=2) == [3]
    assert beam_search(model, src, src_len, 0, 1, beam_size=1, max_len=5) == greedy
    with pytest.raises(ValueError, match="one sentence at a time"):
        beam_search(model, src.repeat(2, 1), src_len.repeat(2), 0, 1)


def test_banned_tokens_are_never_produced():
    model = TableModel(TABLE)
    src, src_len = torch.zeros(1, 2, dtype=torch.long), torch.tensor([2])
    assert greedy_decode(model, src, src_len, bos=0, eos=1, max_len=5)[0][0] == 2
    no_a = greedy_decode(model, src, src_len, bos=0, eos=1, max_len=5, ban=[2])
    assert no_a == [[3]]
    # Without "b", beam search must go through "a", however unlikely its end.
    assert beam_search(model, src, src_len, 0, 1, beam_size=2, ban=[3]) == [2]


class TinyGRUTranslator(Seq2Seq):
    def __init__(self, src_vocab, tgt_vocab, hidden=32):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, hidden)
        self.tgt_embed = nn.Embedding(tgt_vocab, hidden)
        self.encoder = nn.GRU(hidden, hidden, batch_first=True)
        self.decoder = nn.GRU(hidden, hidden, batch_first=True)
        self.out = nn.Linear(hidden, tgt_vocab)

    def encode(self, src, src_len):
        packed = nn.utils.rnn.pack_padded_sequence(
            self.src_embed(src), src_len.cpu(), batch_first=True, enforce_sorted=False
        )
        return self.encoder(packed)[1]  # (1, batch, hidden)

    def forward(self, src, src_len, tgt_in):
        outputs, _ = self.decoder(self.tgt_embed(tgt_in), self.encode(src, src_len))
        return self.out(outputs)

    def init_state(self, memory, src_len):
        return memory

    def step(self, tokens, state, memory, src_len):
        output, state = self.decoder(self.tgt_embed(tokens)[:, None], state)
        return self.out(output[:, 0]), state

    def reorder(self, state, memory, src_len, index):
        return state[:, index], memory[:, index], src_len[index]


def test_a_tiny_translator_learns_and_decodes():
    torch.manual_seed(0)
    sentences = [
        (f"{i % 5} katzen sehen mich .", f"{i % 5} cats see me .") for i in range(300)
    ]
    data = prepare_translation_data(sentences, min_freq=1)
    pad_s, pad_t = data.src_vocab[PAD], data.tgt_vocab[PAD]
    loader = DataLoader(
        encode_pairs(data, "train"),
        batch_size=32,
        shuffle=True,
        collate_fn=lambda b: collate_pairs(b, pad_s, pad_t),
    )
    model = TinyGRUTranslator(len(data.src_vocab), len(data.tgt_vocab))
    history = fit(
        model,
        loader,
        SequenceCrossEntropyLoss(ignore_index=pad_t),
        torch.optim.Adam(model.parameters(), lr=0.02),
        num_epochs=10,
        progress=False,
    )
    assert history.last["train_accuracy"] > 0.95
    src, tgt = encode_pairs(data, "test")[0]
    src_t, src_len = torch.tensor([src]), torch.tensor([len(src)])
    bos, eos = data.tgt_vocab[BOS], data.tgt_vocab[EOS]
    expected = data.tgt_vocab.decode(tgt[1:-1])
    assert (
        data.tgt_vocab.decode(greedy_decode(model, src_t, src_len, bos, eos)[0])
        == expected
    )
    assert (
        data.tgt_vocab.decode(beam_search(model, src_t, src_len, bos, eos)) == expected
    )


class TinyAttentionTranslator(Seq2Seq):
    """Attends over the padded source; its state is the target prefix, as a
    Transformer's is, and its memory a tuple, as Bahdanau attention's is."""

    def __init__(self, src_vocab, tgt_vocab, hidden=16):
        super().__init__()
        self.src_embed = nn.Embedding(src_vocab, hidden)
        self.tgt_embed = nn.Embedding(tgt_vocab, hidden)
        self.out = nn.Linear(hidden, tgt_vocab)

    def encode(self, src, src_len):
        # (batch, src_len): True at the real tokens
        mask = torch.arange(src.shape[1])[None] < src_len[:, None]
        return self.src_embed(src), mask

    def init_state(self, memory, src_len):
        return torch.empty(len(memory[0]), 0, dtype=torch.long)

    def step(self, tokens, state, memory, src_len):
        values, mask = memory
        prefix = torch.cat([state, tokens[:, None]], dim=1)  # (batch, t + 1)
        query = self.tgt_embed(prefix).sum(dim=1)  # (batch, hidden)
        scores = (values @ query[:, :, None])[:, :, 0]  # (batch, src_len)
        weights = scores.masked_fill(~mask, -math.inf).softmax(dim=-1)
        context = (weights[:, :, None] * values).sum(dim=1)  # (batch, hidden)
        return self.out(torch.tanh(query + context)), prefix

    def reorder(self, state, memory, src_len, index):
        return state[index], tuple(part[index] for part in memory), src_len[index]


SRC_VOCAB, TGT_VOCAB, TOY_BOS, TOY_EOS = 12, 15, 0, 1


def random_translators():
    """Untrained translators whose outputs end at varied lengths: their output
    layers are scaled up so that the next-token distributions are peaked."""
    torch.manual_seed(0)
    models = [
        TinyGRUTranslator(SRC_VOCAB, TGT_VOCAB, hidden=16),
        TinyAttentionTranslator(SRC_VOCAB, TGT_VOCAB),
    ]
    with torch.no_grad():
        for model in models:
            model.out.weight.mul_(4)
            model.out.bias[TOY_EOS] += 1.5
    return models


def random_sources(n=10, seed=0):
    """A padded batch of ``n`` sources of lengths 1 to 8, and the sources alone."""
    rng = random.Random(seed)
    sentences = [
        [rng.randrange(2, SRC_VOCAB) for _ in range(rng.randint(1, 8))]
        for _ in range(n)
    ]
    src, src_len = pad_batch(sentences, pad_index=0)
    return src, src_len, sentences


def test_batched_beam_search_equals_beam_search_sentence_by_sentence():
    src, src_len, sentences = random_sources()
    lengths_seen = set()
    for model in random_translators():
        for beam_size in (1, 2, 4):
            for ban in ((), (2, 5)):
                options = dict(beam_size=beam_size, max_len=12, ban=ban)
                batched = beam_search_batch(
                    model, src, src_len, TOY_BOS, TOY_EOS, **options
                )
                one_by_one = [
                    beam_search(
                        model,
                        torch.tensor([s]),
                        torch.tensor([len(s)]),
                        TOY_BOS,
                        TOY_EOS,
                        **options,
                    )
                    for s in sentences
                ]
                assert batched == one_by_one, (type(model).__name__, options)
                assert not any(token in ban for out in batched for token in out)
                lengths_seen.update(map(len, batched))
    # The comparison covered sentences that stop early and ones cut at max_len.
    assert min(lengths_seen) < 6 and 12 in lengths_seen


def test_batched_beam_search_with_one_beam_is_greedy_decoding():
    src, src_len, _ = random_sources(seed=1)
    for model in random_translators():
        for ban in ((), (3,)):
            greedy = greedy_decode(
                model, src, src_len, TOY_BOS, TOY_EOS, max_len=12, ban=ban
            )
            batched = beam_search_batch(
                model, src, src_len, TOY_BOS, TOY_EOS, beam_size=1, max_len=12, ban=ban
            )
            assert batched == greedy


def test_batched_beam_search_finds_what_greedy_misses():
    model = TableModel(TABLE)
    src, src_len = torch.zeros(3, 2, dtype=torch.long), torch.tensor([2, 1, 2])
    assert beam_search_batch(model, src, src_len, 0, 1, beam_size=2) == [[3]] * 3
    # Without "b", the only way to end goes through "a".
    assert (
        beam_search_batch(model, src, src_len, 0, 1, beam_size=2, ban=[3]) == [[2]] * 3
    )


# Tokens: 0 BOS, 1 EOS, 2 "a", 3 "b", 4 "c". With two beams, "" and "b" end by
# the second step, so the search stops there and returns "" (normalised score
# -1.14), although "b c" would have ended one step later with -0.56.
EARLY_STOP_TABLE = [
    [1e-9, 0.32, 0.28, 0.4, 1e-9],
    [0.2, 0.2, 0.2, 0.2, 0.2],
    [1e-9, 0.5, 0.25, 0.25, 1e-9],
    [1e-9, 0.3, 1e-9, 1e-9, 0.7],
    [1e-9, 0.98, 0.01, 0.01, 1e-9],
]


def test_batched_beam_search_stops_where_beam_search_stops():
    model = TableModel(EARLY_STOP_TABLE)
    src, src_len = torch.zeros(2, 3, dtype=torch.long), torch.tensor([3, 1])
    assert beam_search(model, src[:1], src_len[:1], 0, 1, beam_size=2) == []
    assert beam_search_batch(model, src, src_len, 0, 1, beam_size=2) == [[], []]


def test_batched_beam_search_rejects_bad_input():
    model = TableModel(TABLE)
    src, src_len = torch.zeros(2, 2, dtype=torch.long), torch.tensor([2, 2])
    with pytest.raises(ValueError, match="need src"):
        beam_search_batch(model, src[0], src_len, 0, 1)
    with pytest.raises(ValueError, match="need src"):
        beam_search_batch(model, src, src_len[:1], 0, 1)
    with pytest.raises(ValueError, match="beam_size must be at least 1, got 0"):
        beam_search_batch(model, src, src_len, 0, 1, beam_size=0)
    with pytest.raises(ValueError, match="larger than the 2 tokens"):
        beam_search_batch(model, src, src_len, 0, 1, beam_size=3, ban=[2, 2, 3])


def test_best_hypothesis_normalises_by_length():
    short, long = ([5], -2.0), ([5, 6, 7], -3.0)
    # Raw log-probability prefers the short output; per token (-1.0 vs -0.75),
    # the long one wins.
    assert best_hypothesis([short, long], length_penalty=0.0) == [5]
    assert best_hypothesis([short, long], length_penalty=1.0) == [5, 6, 7]
    assert best_hypothesis([([1], -1.0), ([2], -1.0)], length_penalty=0.75) == [1]
    with pytest.raises(ValueError, match="at least one"):
        best_hypothesis([], length_penalty=0.75)


def test_warmup_linear_decay_rises_then_falls_to_zero():
    parameter = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=1.0)
    schedule = warmup_linear_decay(optimizer, warmup_steps=4, total_steps=12)
    rates = []
    for _ in range(12):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        schedule.step()
    assert rates[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    assert rates[4:] == pytest.approx([1 - i / 8 for i in range(8)])
    assert optimizer.param_groups[0]["lr"] == 0.0
    with pytest.raises(ValueError, match="warmup_steps < total_steps"):
        warmup_linear_decay(optimizer, warmup_steps=5, total_steps=5)


def copy_task(n, seed):
    """Pairs whose target is the source itself: sequences of 1-6 symbols."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        symbols = [rng.randrange(3, 9) for _ in range(rng.randint(1, 6))]
        pairs.append(([*symbols, 2], [1, *symbols, 2]))
    return pairs


def test_train_translator_keeps_the_epoch_of_lowest_validation_loss():
    torch.manual_seed(0)
    model = GRUSeq2Seq(9, 9, embed_size=16, hidden_size=32, dropout=0.0)
    recipe = TranslatorRecipe(num_epochs=6, lr=1e-2, batch_size=32, warmup_steps=5)
    run = train_translator(
        model,
        copy_task(400, seed=0),
        copy_task(60, seed=1),
        recipe,
        src_pad=0,
        tgt_pad=0,
        generator=torch.Generator().manual_seed(0),
    )
    losses = [row["valid_loss"] for row in run.history]
    assert len(losses) == 6 and run.best_epoch == 1 + losses.index(min(losses))
    assert run.best_valid_loss == min(losses)
    assert losses[-1] < losses[0]
    assert 0 < run.train_seconds < sum(row["seconds"] for row in run.history)
    # The model holds the best epoch's weights: its validation loss is that epoch's.
    valid = DataLoader(
        copy_task(60, seed=1),
        batch_size=256,
        collate_fn=lambda b: collate_pairs(b, 0, 0),
    )
    loss = evaluate(model, valid, SequenceCrossEntropyLoss(ignore_index=0), "cpu")
    assert loss["test_loss"] == pytest.approx(run.best_valid_loss, rel=1e-5)
    with pytest.raises(ValueError, match="validation pairs"):
        train_translator(
            model,
            copy_task(10, 0),
            [],
            recipe,
            src_pad=0,
            tgt_pad=0,
            generator=torch.Generator(),
        )


def test_decode_sources_keeps_the_order_and_matches_the_decoders():
    model = random_translators()[1]
    # Sources of one length, so that every batch allows the same output length.
    rng = random.Random(3)
    sources = [
        [rng.randrange(2, SRC_VOCAB) for _ in range(5)] + [TOY_EOS] for _ in range(9)
    ]
    kwargs = dict(pad=0, bos=TOY_BOS, eos=TOY_EOS, batch_size=4)
    greedy = decode_sources(model, sources, **kwargs)
    beam = decode_sources(model, sources, beam_size=3, **kwargs)
    for source, g, b in zip(sources, greedy, beam, strict=True):
        src, src_len = torch.tensor([source]), torch.tensor([len(source)])
        max_len = 2 * len(source) + 10
        assert g == greedy_decode(model, src, src_len, TOY_BOS, TOY_EOS, max_len)[0]
        assert b == beam_search(
            model, src, src_len, TOY_BOS, TOY_EOS, beam_size=3, max_len=max_len
        )
