"""Light, dark or the system's choice: a header button cycles through them, remembered per browser."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from nicegui import ui

MODES: dict[str, tuple[bool | None, str, str]] = {
    'auto': (None, 'brightness_auto', 'Theme follows the system; switch to light'),
    'light': (False, 'light_mode', 'Light theme; switch to dark'),
    'dark': (True, 'dark_mode', 'Dark theme; switch to following the system'),
}
ORDER = list(MODES)
PRIMARY = '#245f9e'  # white text on it keeps a contrast ratio above 6:1


def apply_colors() -> None:
    """The page's brand colours, dark enough that white button text stays readable."""
    ui.colors(primary=PRIMARY)


class ThemeToggle(ui.button):
    """A round icon button whose icon and label say which theme is active and what a click does."""

    def __init__(self, storage: MutableMapping[str, Any]) -> None:
        super().__init__(on_click=self.cycle)
        self._storage = storage
        mode = storage.get('theme', 'auto')
        self._mode = mode if mode in MODES else 'auto'
        self._dark = ui.dark_mode(MODES[self._mode][0])
        self.props('flat round dense color=white').mark('theme-toggle')
        self._show()

    def cycle(self) -> None:
        self._mode = ORDER[(ORDER.index(self._mode) + 1) % len(ORDER)]
        self._storage['theme'] = self._mode
        self._dark.value = MODES[self._mode][0]
        self._show()

    def _show(self) -> None:
        _, icon, label = MODES[self._mode]
        self.props['icon'] = icon
        self.props['aria-label'] = label
        self.props['title'] = label
