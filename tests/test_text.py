import pytest
import torch

from dlbook.text import (
    BucketBatchSampler,
    Vocab,
    contiguous_split,
    pad_batch,
    tokenize,
)


def test_tokenize_words_and_characters():
    text = "Don't panic, Mr. Darcy!"
    assert tokenize(text) == ["don't", "panic", ",", "mr", ".", "darcy", "!"]
    assert tokenize("Das Stück kostet 5€.") == ["das", "stück", "kostet", "5", "€", "."]
    assert tokenize("Ab c", level="char") == ["a", "b", " ", "c"]
    assert tokenize("Ab", level="char", lowercase=False) == ["A", "b"]
    with pytest.raises(ValueError, match="'char' or 'word'"):
        tokenize(text, level="sentence")


def test_vocab_orders_by_frequency_then_alphabet_and_maps_unknowns():
    vocab = Vocab(["b", "a", "c", "a", "b", "a", "d"], min_freq=1, reserved=["<pad>"])
    assert vocab.idx_to_token == ["<unk>", "<pad>", "a", "b", "c", "d"]
    assert vocab["a"] == 2 and vocab["zebra"] == vocab.unk == 0
    assert vocab.encode(["c", "q"]) == [4, 0]
    assert vocab.decode(torch.tensor([2, 3])) == ["a", "b"]
    assert len(vocab) == 6 and "d" in vocab and "q" not in vocab


def test_vocab_min_freq_and_nested_token_lists():
    vocab = Vocab([["x", "y"], ["x"]], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "x"]
    assert vocab["y"] == vocab.unk
    assert vocab.token_freqs["y"] == 1


def test_vocab_decode_rejects_matrices():
    with pytest.raises(ValueError, match="1-D"):
        Vocab(["a"]).decode(torch.zeros(2, 2, dtype=torch.long))


def test_contiguous_split_covers_everything_in_order():
    parts = contiguous_split(list(range(100)), (0.8, 0.1, 0.1))
    assert [len(p) for p in parts] == [80, 10, 10]
    assert [x for part in parts for x in part] == list(range(100))
    assert contiguous_split("abcdefghij", (0.5, 0.5)) == ["abcde", "fghij"]
    with pytest.raises(ValueError, match="sum to 1"):
        contiguous_split([1, 2], (0.5, 0.6))


def test_pad_batch_pads_truncates_and_reports_lengths():
    batch, lengths = pad_batch([[5, 6, 7], [8]], pad_index=1)
    torch.testing.assert_close(batch, torch.tensor([[5, 6, 7], [8, 1, 1]]))
    torch.testing.assert_close(lengths, torch.tensor([3, 1]))
    batch, lengths = pad_batch([[5, 6, 7], [8]], pad_index=0, max_len=2)
    assert batch.tolist() == [[5, 6], [8, 0]] and lengths.tolist() == [2, 1]
    packed = torch.nn.utils.rnn.pack_padded_sequence(
        batch, lengths, batch_first=True, enforce_sorted=False
    )
    assert packed.data.numel() == 3
    with pytest.raises(ValueError, match="empty sequence"):
        pad_batch([[1], []], pad_index=0)


def test_bucket_batch_sampler_covers_every_example_once_in_similar_lengths():
    lengths = torch.randint(1, 100, (1003,), generator=torch.Generator().manual_seed(1))
    sampler = BucketBatchSampler(
        lengths,
        batch_size=10,
        generator=torch.Generator().manual_seed(0),
        pool_batches=5,
    )
    batches = list(sampler)
    assert len(batches) == len(sampler)
    assert sorted(i for b in batches for i in b) == list(range(1003))
    assert max(len(b) for b in batches) == 10
    # Sorting within pools pads far less than batching in random order would.
    spread = sum(lengths[b].max() - lengths[b].min() for b in batches) / len(batches)
    assert spread < 25
    # Same seed, same batches; the next epoch differs.
    again = BucketBatchSampler(
        lengths,
        batch_size=10,
        generator=torch.Generator().manual_seed(0),
        pool_batches=5,
    )
    assert list(again) == batches
    assert list(sampler) != batches


def test_bucket_batch_sampler_rejects_empty_batches():
    with pytest.raises(ValueError, match="batch_size"):
        BucketBatchSampler([1, 2, 3], batch_size=0)
