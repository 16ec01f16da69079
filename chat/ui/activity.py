"""What the room's activity looks like: how many are here (and who), and who is typing."""

from __future__ import annotations

from nicegui import ui

from chat.domain.model import Activity, Person


class PeopleButton(ui.button):
    """ "3 here" in the header; its menu lists the names. Two elements, whatever the room's size.

    The names go to the browser only while the menu is open. Sent on every change, each join
    would give every tab the whole list, so a room filling up with N people cost N² names.
    """

    def __init__(self) -> None:
        super().__init__(icon='group')
        self.props('flat dense no-caps color=white').mark('people')
        self._people: tuple[Person, ...] = ()
        with self:
            self.menu = ui.menu().props('anchor="bottom right" self="top right"')
            self.menu.on_value_change(self._show_names)
            with self.menu:
                self._names = ui.label().classes('chat-people-names q-pa-md').mark('people-names')

    def show(self, activity: Activity) -> None:
        count = len(activity.people)
        self.text = f'{count} here'
        self.props['aria-label'] = f'{count} {"person" if count == 1 else "people"} in this room; show names'
        self._people = activity.people
        self._show_names()

    def _show_names(self) -> None:
        if self.menu.value:
            self._names.text = '\n'.join(person.name for person in self._people)


class TypingLine(ui.label):
    """ "Blue Fox 42 is typing…" for everyone but the typist; empty (and silent) otherwise."""

    def __init__(self) -> None:
        super().__init__()
        self.classes('chat-typing').props('aria-live=polite').mark('typing')

    def show(self, activity: Activity, me: str) -> None:
        self.text = typing_text([person for person in activity.typing if person.id != me])


def typing_text(typists: list[Person]) -> str:
    names = [person.name for person in typists]
    if not names:
        return ''
    if len(names) == 1:
        return f'{names[0]} is typing…'
    if len(names) == 2:
        return f'{names[0]} and {names[1]} are typing…'
    return f'{names[0]}, {names[1]} and {len(names) - 2} more are typing…'
