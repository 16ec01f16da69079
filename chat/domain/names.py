"""Friendly generated display names such as "Blue Fox 42", so nobody has to sign up to talk."""

from __future__ import annotations

import random

ADJECTIVES = (
    'Amber',
    'Blue',
    'Brave',
    'Calm',
    'Clever',
    'Coral',
    'Golden',
    'Green',
    'Happy',
    'Jolly',
    'Kind',
    'Lucky',
    'Mellow',
    'Misty',
    'Quick',
    'Quiet',
    'Rosy',
    'Silver',
    'Sunny',
    'Swift',
)
ANIMALS = (
    'Badger',
    'Bear',
    'Crane',
    'Deer',
    'Dolphin',
    'Falcon',
    'Fox',
    'Hare',
    'Heron',
    'Koala',
    'Lynx',
    'Otter',
    'Owl',
    'Panda',
    'Puffin',
    'Robin',
    'Seal',
    'Swan',
    'Tiger',
    'Wolf',
)


def generate_name(rng: random.Random | None = None) -> str:
    """Return a random "Adjective Animal NN" name; 40 000 combinations keep collisions rare in a room."""
    rng = rng or random.Random()
    return f'{rng.choice(ADJECTIVES)} {rng.choice(ANIMALS)} {rng.randint(1, 99)}'
