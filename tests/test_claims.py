"""dlbook.claims: a chapter's run-dependent sentence, checked by its run."""

import numpy as np
import pytest
import torch

from dlbook.claims import ClaimError, claim
from tiny_book import build_book, code_cell


def test_a_claim_the_run_supports_passes_silently():
    assert claim(0.81 > 0.77, "the GRU beats the RNN", gru=0.81, rnn=0.77) is None
    claim(torch.tensor(True), "a tensor's truth counts")
    claim(np.bool_(True), "so does numpy's")


def test_a_contradicted_claim_quotes_the_sentence_and_its_numbers():
    with pytest.raises(ClaimError) as failure:
        claim(
            0.74 > 0.77,
            "the GRU beats the RNN",
            gru=torch.tensor(0.7412345),
            rnn=0.77,
            epochs=6,
        )
    message = str(failure.value)
    assert "the chapter says that the GRU beats the RNN" in message
    assert "gru = 0.7412, rnn = 0.77, epochs = 6" in message
    assert "glue" in message  # names the way out


def test_several_truth_values_or_no_sentence_are_refused():
    with pytest.raises(TypeError, match=r"got 3 .*\.all\(\) or \.any\(\)"):
        claim(torch.tensor([True, False, True]), "every unit is alive")
    with pytest.raises(TypeError, match="got 2"):
        claim(np.array([True, True]), "both hold")
    with pytest.raises(ValueError, match="sentence"):
        claim(True, "  ")


def test_a_false_claim_fails_the_strict_build_and_a_true_one_builds(tmp_path):
    def chapter(accuracy):
        return (
            code_cell(
                "from dlbook.claims import claim\n"
                f"accuracy = {accuracy}\n"
                'claim(accuracy > 0.5, "the model beats chance", accuracy=accuracy)'
            )
            + "\nThe model beats chance.\n"
        )

    good = build_book(tmp_path / "good", {"intro": "Intro.\n", "ch": chapter(0.9)})
    assert good.returncode == 0, good.stdout + good.stderr
    bad = build_book(tmp_path / "bad", {"intro": "Intro.\n", "ch": chapter(0.3)})
    assert bad.returncode != 0
    log = bad.stdout + bad.stderr
    assert "ch.md" in log  # the chapter
    assert "the chapter says that the model beats chance" in log  # the claim
    assert "accuracy = 0.3" in log
