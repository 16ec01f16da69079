"""Elements whose text NiceGUI's element filter finds although the browser draws it from props.

`user.should_see` and `ElementFilter(content=...)` read an element's text through the private
`_displayed_contents`; NiceGUI offers no public hook for text an element keeps in props.
"""

from __future__ import annotations

from nicegui import ui


class FindableText(ui.element):
    """Subclasses name their text in `findable_text`, so simulated users see what a browser shows."""

    def findable_text(self) -> list[str]:
        return []

    def _displayed_contents(self, *, only_visible: bool) -> list[object]:
        return [*super()._displayed_contents(only_visible=only_visible), *self.findable_text()]
