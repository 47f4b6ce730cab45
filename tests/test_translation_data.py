import pytest
import torch

from dlbook.translation_data import (
    SubwordTokenizer,
    _sentence_key,
    clean_translation_pairs,
    encode_split,
    has_alternatives,
    normalise_quotes,
    prepare_subword_data,
    remove_parentheticals,
    split_translation_pairs,
    train_subword_tokenizer,
)


def test_normalise_quotes_writes_every_apostrophe_and_quote_in_ascii():
    assert normalise_quotes("Don\u2019t say \u201enein\u201c.") == 'Don\'t say "nein".'
    assert normalise_quotes("it\u00b4s `n\u2018 \u201cok\u201d") == "it's 'n' \"ok\""
    # A decomposed umlaut (u + combining diaeresis) becomes the single letter.
    assert normalise_quotes("Stu\u0308ck") == "St\u00fcck"


def test_remove_parentheticals_keeps_the_sentence_without_them():
    assert remove_parentheticals("Trinken Sie etwas mit (uns)?") == (
        "Trinken Sie etwas mit?"
    )
    assert remove_parentheticals("Es stieg ihm zu Kopf(e).") == "Es stieg ihm zu Kopf."
    assert remove_parentheticals("the road (ahead) .") == "the road."
    assert remove_parentheticals("a (b (c) d) e.") == "a e."
    assert remove_parentheticals("(Wie) sch\u00f6n, Sie zu sehen!") == (
        "Sch\u00f6n, Sie zu sehen!"
    )


def test_has_alternatives_tells_a_slash_of_choice_from_one_in_a_number():
    assert has_alternatives("His pulse is irregular/weak.")
    assert has_alternatives("He can stand unaided / without help.")
    assert has_alternatives("the biscuit/ the cake.")
    assert not has_alternatives("a 2009/10 calendar and 24/7 service.")
    assert not has_alternatives("No slash here.")


RAW_PAIRS = [
    ("Ich hab\u2019s nicht gewusst.", "I didn\u2019t know."),
    ("Sein Puls ist unregelm\u00e4\u00dfig/schwach.", "His pulse is irregular/weak."),
    ("Er kann selbst\u00e4ndig / ohne Hilfe stehen.", "He can stand unsupported."),
    ("Trinken Sie etwas mit (uns)?", "Would you join us for a drink?"),
    ("in Absprache mit jdm.", "in consultation with sb."),
    ("Applaus f\u00fcr \u2026!", "Give it up for \u2026!"),
    ("Wir legen einen Kalender 2009/10 bei.", "We enclose a 2009/10 calendar."),
    ("Ich hab's nicht gewusst.", "I didn't know."),
    ("Das (ist) gut.", "(That is) fine."),
    ("Sie ist (nicht) da.", "She is (not) there (now)."),
    ("Es ist  zu sp\u00e4t..", "It is too late."),
    ("Das ist (nicht  richtig.", "That is not right."),
]


def test_clean_translation_pairs_applies_each_rule_and_counts_it():
    cleaned = clean_translation_pairs(RAW_PAIRS)
    assert cleaned.pairs == [
        ("Ich hab's nicht gewusst.", "I didn't know."),
        ("Trinken Sie etwas mit?", "Would you join us for a drink?"),
        ("Wir legen einen Kalender 2009/10 bei.", "We enclose a 2009/10 calendar."),
        ("Sie ist da.", "She is there."),
        ("Es ist zu sp\u00e4t.", "It is too late."),
    ]
    assert cleaned.changed == {"quotes": 1, "parentheticals": 2, "spacing": 1}
    assert cleaned.dropped == {
        "alternatives (a/b)": 2,
        "placeholder (jdm./sb.)": 1,
        "gap (...)": 1,
        "duplicate after cleaning": 1,
        "not a sentence after cleaning": 1,
        "unbalanced parentheses": 1,
    }
    assert len(cleaned.pairs) + sum(cleaned.dropped.values()) == len(RAW_PAIRS)


def test_clean_translation_pairs_rejects_what_is_not_a_pair_of_strings():
    with pytest.raises(TypeError, match="string pairs"):
        clean_translation_pairs([("nur eine Seite",)])
    with pytest.raises(TypeError, match="string pairs"):
        clean_translation_pairs([(["Das", "ist", "gut"], "That is good.")])


def grouped_pairs(groups=100):
    """Every German sentence comes with three English translations, and every
    tenth English translation is shared by two German sentences."""
    pairs = []
    for g in range(groups):
        for k in range(3):
            english = f"Sentence {g // 2} reads well." if k == 0 else f"E {g} {k}."
            pairs.append((f"Satz {g} ist gut.", english))
    return pairs


def test_split_keeps_pairs_that_share_a_sentence_in_one_split():
    pairs = grouped_pairs()
    split = split_translation_pairs(pairs, seed=3)
    parts = (split.train, split.valid, split.test)
    assert sorted(p for part in parts for p in part) == sorted(pairs)
    for side in (0, 1):
        keys = [{_sentence_key(pair[side]) for pair in part} for part in parts]
        assert not keys[0] & keys[1] and not keys[0] & keys[2] and not keys[1] & keys[2]
    # Groups of six pairs (two German sentences sharing an English one) are
    # dealt whole: 240 of 300 pairs is the training fraction exactly.
    assert (len(split.train), len(split.valid), len(split.test)) == (240, 30, 30)


def test_split_is_reproducible_and_changes_with_the_seed():
    pairs = grouped_pairs()
    first = split_translation_pairs(pairs, seed=1)
    assert split_translation_pairs(pairs, seed=1) == first
    assert split_translation_pairs(pairs, seed=2).test != first.test
    with pytest.raises(ValueError, match="summing to 1"):
        split_translation_pairs(pairs, fractions=(0.8, 0.1, 0.2))


TRAIN_TEXTS = [
    f"{subject} {verb} {thing}."
    for subject in ("Der Hund", "Die Katze", "Das Kind", "Mein Vater")
    for verb in ("sieht", "findet", "sucht", "liebt")
    for thing in ("den Ball", "die Zeitung", "das Haus", "den Garten")
]


def test_tokenizer_round_trips_held_out_text_without_unknown_tokens():
    tokenizer = train_subword_tokenizer(TRAIN_TEXTS, 400)
    held_out = [
        "Die Qualit\u00e4tspr\u00fcfung kostet 5 \u20ac \u2013 na\u00efv? \U0001f600",
        'Er sagte: "Das <eos> ist kein Ende."',
        "Mein Vater sucht den Garten.",
    ]
    for text in held_out:
        indices = tokenizer.encode(text)
        assert tokenizer.decode(indices) == text
        assert tokenizer.decode(torch.tensor(indices)) == text
        # No index stands for "anything else"; no special token sneaks in.
        assert tokenizer.tokenizer.model.unk_token is None
        assert all(3 <= index < len(tokenizer) for index in indices)
    # Frequent training words are one token each; unseen words are pieces.
    assert tokenizer.pieces("Mein Vater sucht den Garten.") == [
        "\u2581Mein",
        "\u2581Vater",
        "\u2581sucht",
        "\u2581den",
        "\u2581Garten",
        ".",
    ]
    assert len(tokenizer.encode("Qualit\u00e4tspr\u00fcfung")) > 1


def test_tokenizer_reserves_specials_and_drops_them_when_decoding():
    tokenizer = train_subword_tokenizer(TRAIN_TEXTS, 400)
    assert (tokenizer.pad, tokenizer.bos, tokenizer.eos) == (0, 1, 2)
    indices = tokenizer.encode("Der Hund sieht den Ball.")
    framed = [tokenizer.bos, *indices, tokenizer.eos, tokenizer.pad]
    assert tokenizer.decode(framed) == "Der Hund sieht den Ball."


def test_tokenizer_training_is_deterministic_and_checks_its_arguments():
    first = train_subword_tokenizer(TRAIN_TEXTS, 400).tokenizer.to_str()
    assert train_subword_tokenizer(TRAIN_TEXTS, 400).tokenizer.to_str() == first
    with pytest.raises(ValueError, match="exceed the 259"):
        train_subword_tokenizer(TRAIN_TEXTS, 259)
    with pytest.raises(ValueError, match="non-empty list"):
        train_subword_tokenizer("Der Hund sieht den Ball.", 400)
    from tokenizers import Tokenizer, models

    with pytest.raises(ValueError, match="train_subword_tokenizer"):
        SubwordTokenizer(Tokenizer(models.BPE()))


def test_subword_data_learns_its_vocabulary_on_the_training_split_only():
    pairs = [(text, f"English {i} text.") for i, text in enumerate(TRAIN_TEXTS * 4)]
    # One group (they share their German sentence) with a word found nowhere else.
    zebra = [("Der Zebrafisch schwimmt.", f"Zebrafish {i}.") for i in range(20)]
    data = prepare_subword_data(pairs + zebra, seed=3, vocab_size=400)
    assert all(pair in data.valid for pair in zebra)
    assert len(data.src_tokenizer.encode("Zebrafisch")) > 1
    # Had the held-out pairs been seen, the word would be one token.
    seen = train_subword_tokenizer([source for source, _ in pairs + zebra], 400)
    assert len(seen.encode("Zebrafisch")) == 1
    assert data.src_tokenizer is not data.tgt_tokenizer
    shared = prepare_subword_data(pairs, seed=3, vocab_size=400, shared=True)
    assert shared.src_tokenizer is shared.tgt_tokenizer


def test_encode_split_frames_targets_for_teacher_forcing():
    pairs = [(text, f"English {i} text.") for i, text in enumerate(TRAIN_TEXTS)]
    data = prepare_subword_data(pairs, seed=0, vocab_size=300)
    encoded = encode_split(data, "valid")
    assert len(encoded) == len(data.valid)
    for (src, tgt), (source, target) in zip(encoded, data.valid, strict=True):
        assert src[-1] == data.src_tokenizer.eos
        assert tgt[0] == data.tgt_tokenizer.bos and tgt[-1] == data.tgt_tokenizer.eos
        assert data.src_tokenizer.decode(src) == source
        assert data.tgt_tokenizer.decode(tgt[1:-1]) == target
    with pytest.raises(ValueError, match="'train', 'valid' or 'test'"):
        encode_split(data, "validation")
