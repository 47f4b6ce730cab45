import random

import numpy as np
import pytest
import torch

from dlbook.seeding import seed_everything


def draw() -> tuple[float, float, torch.Tensor]:
    return random.random(), float(np.random.rand()), torch.rand(3)


def test_same_seed_gives_same_draws_from_every_generator():
    seed_everything(123)
    first = draw()
    seed_everything(123)
    second = draw()
    assert first[:2] == second[:2]
    torch.testing.assert_close(first[2], second[2])


def test_different_seeds_give_different_draws():
    seed_everything(1)
    first = draw()
    seed_everything(2)
    second = draw()
    assert first[0] != second[0]
    assert not torch.equal(first[2], second[2])


def test_returned_generator_is_seeded_independently_of_the_global_stream():
    generator = seed_everything(7)
    expected = torch.rand(4, generator=torch.Generator().manual_seed(7))
    torch.rand(100)  # advancing the global stream must not affect the generator
    torch.testing.assert_close(torch.rand(4, generator=generator), expected)


def test_deterministic_flag_turns_on_deterministic_algorithms():
    try:
        seed_everything(0, deterministic=True)
        assert torch.are_deterministic_algorithms_enabled()
    finally:
        torch.use_deterministic_algorithms(False)


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", True])
def test_rejects_seeds_that_are_not_32_bit_integers(bad):
    with pytest.raises((TypeError, ValueError), match="seed must"):
        seed_everything(bad)
