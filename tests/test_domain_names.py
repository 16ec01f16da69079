"""Generated display names are friendly and always valid."""

import random

from chat.domain.model import clean_display_name
from chat.domain.names import generate_name


def test_generated_names_look_like_adjective_animal_number() -> None:
    adjective, animal, number = generate_name(random.Random(1)).split(' ')
    assert adjective[0].isupper() and animal[0].isupper()
    assert 1 <= int(number) <= 99


def test_generated_names_are_valid_display_names() -> None:
    rng = random.Random(7)
    for _ in range(500):
        name = generate_name(rng)
        assert clean_display_name(name) == name
