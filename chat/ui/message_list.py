"""The message list: one NiceGUI element per tab whose bubbles the browser builds from the room's stream.

The element's Vue component (`message_list.js`) draws the bubbles, keeps the reader's place,
counts what arrived while they were away and builds links as elements, never user text as
HTML. What it shows comes from three places, merged by message id so nothing shows twice
and everything shows in the room's order:

- its `messages` prop: the latest page, set once the tab is connected;
- the room's live stream, one emit for all tabs of the room (`chat.ui.stream`);
- replies to its own requests: what followed the last message it shows, after every
  reconnect (`resume`), older pages (`older`), and the messages around one it jumps to (`around`).

Reading further back than it keeps, by older pages or by a jump, the tab lets its newest messages go and
stops adding the live ones below until it asks to resume ("Jump to latest").

A message that is edited or deleted arrives again by the same paths under its id, and takes
the place of its earlier state; so does a message reacted to, with all its reactions. The tab asks
to edit or delete its own messages (`edit`, `delete`) with nothing but the id and the text, and to
react to any (`react`) with the id, the emoji and on or off: the room model decides the rest. Picking a
message to reply to (`reply`) names only its id; the room page shows its quote in the composer (`on_reply`).

The live stream bypasses NiceGUI's outbox, so it has no replay; `resume` replaces it, and
reaches back further: a tab that was away longer than a page's worth of messages gets the
latest page instead, without a reload. Everything that decides anything stays here: the
pages, the order, which tab wrote what (as a public token, see `identity.public_token`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import TypeGuard

from nicegui import ui
from nicegui.events import GenericEventArguments

from chat.domain.limits import RateLimiter
from chat.domain.model import REACTIONS, ChatError, Message, quote_of_message
from chat.domain.private import private_refusal
from chat.internals import room_broadcast
from chat.internals.findable import FindableText
from chat.ui.activity import SOCKET_MODULE
from chat.ui.identity import public_token
from chat.ui.stream import EVENT, RoomStream, wire

MAX_SHOWN = 500
PAGE_SIZE = 50
AROUND = 25  # messages shown on each side of one a tab jumps to
GROUP_SECONDS = 120
# a tab asks on reconnect and on "Load older"; a script asking in a loop would make the store page for it
REQUESTS = RateLimiter(burst=10, per_second=1)
# "Reply" reads the original's quote from the store; a person picks a few, a script picking in a loop is ignored
REPLIES = RateLimiter(burst=10, per_second=2)

History = Callable[[int | None, int], Awaitable[list[Message]]]
Since = Callable[[int, int], Awaitable[list[Message]]]
Edit = Callable[[int, str], Awaitable[Message]]
Delete = Callable[[int], Awaitable[Message]]
React = Callable[[int, str, bool], Awaitable[Message]]
Reply = Callable[[int], Awaitable[None]]
Remove = Callable[[int], Awaitable[Message]]
DELETED = 'message deleted'
REMOVED = 'removed by a moderator'


@dataclass(frozen=True, slots=True)
class Shown:
    """A message as the tab shows it: its own (right, green) or someone else's (left, red)."""

    message: Message
    own: bool
    mentions_me: bool = False  # highlighted: it mentions this tab's person

    @property
    def text(self) -> str:
        return self.message.text


class MessageList(FindableText, component='message_list.js', esm=SOCKET_MODULE):
    """The room's messages in one tab; see the module docstring for where they come from.

    The server keeps no bubble per tab. What a tab shows, for tests and simulated users, is
    worked out on demand (`shown`) from the pages this element sent and the stream's recent
    messages since the tab joined it.
    """

    def __init__(
        self,
        stream: RoomStream,
        history: History,
        since: Since,
        changes: tuple[Edit, Delete, React],
        *,
        title: str,
        on_joined: Callable[[], None],
        person: str = '',
        remove: Remove | None = None,
        moderator: bool = False,
    ) -> None:
        super().__init__()
        self.room = stream.room
        self._stream = stream
        self._on_joined = on_joined
        self._history = history
        self._since = since
        self._edit_message, self._delete_message, self._react_to = changes
        self._remove_message = remove
        self._author_id = ''
        self._sent: dict[int, Message] = {}
        self._joined_at = 0
        self._detached = False  # the tab shows older messages than the latest, without the live ones after them
        self.refusal: str | None = None  # what the tab shows under the message it last tried to change
        self._person = person  # the public token of the tab's browser, which mentions name (`chat.ui.mentions`)
        self._props['person'] = person
        self._props.update(room=self.room, event=EVENT, messages=[], more=False, me='', ready=False)
        self._props.update(limit=MAX_SHOWN, group=GROUP_SECONDS, title=title, emoji=list(REACTIONS))
        self._props['moderator'] = moderator  # offers "Remove" on every message; the room model checks each request
        self.classes('chat-messages').mark('message-list')
        self.on('resume', self._resume)
        self.on('older', self._older)
        self.on('edit', self._edit)
        self.on('delete', self._delete)
        self.on('unreachable', self._unreachable)
        self.on('around', self._around)
        self.on('react', self._react)
        self.on('remove', self._remove)

    async def open(self, author_id: str) -> None:
        """Show the latest page to the connected tab of `author_id` and start its live messages.

        The tab's sockets join the room's stream before the page is read, so a message
        posted meanwhile is in the page, or in the stream, or in both (shown once).
        """
        self._author_id = author_id
        await self._join()
        self._joined_at = self._stream.sequence
        self._props['me'] = public_token(author_id)
        try:
            await self.show_latest()
        except ChatError:
            self._show_first([], more=False)
            raise

    async def show_latest(self) -> None:
        """Show the latest page, merged into what the tab shows; also for a tab whose first page failed.

        A tab opened while the store was unavailable shows nothing but the live messages since;
        once the store is back, this fills in the history above them without a reload.
        """
        page = await self._history(None, PAGE_SIZE + 1)
        self._show_first(page[-PAGE_SIZE:], more=len(page) > PAGE_SIZE)

    def _show_first(self, page: list[Message], *, more: bool) -> None:
        """Hand the tab its first page in one update; from then on the tab asks to resume after every reconnect."""
        self._record(page)
        self._props.update(messages=[wire(message) for message in page], more=more, ready=True)
        self.update()

    @property
    def shown(self) -> list[Shown]:
        """What the tab shows: the pages sent to it and the live messages since it joined, oldest first."""
        live = self._stream.since(self._joined_at) if self._props['ready'] else []
        if self._detached:
            newest = max(self._sent, default=0)
            live = [message for message in live if message.id <= newest]
        merged = dict(self._sent)
        oldest = min(merged, default=None)
        for message in live:
            known = merged.get(message.id)
            if known is not None and message.revision <= known.revision:
                continue
            if known is None and message.changed and oldest is not None and message.id < oldest:
                continue  # a change to a message above the page: the component leaves it out too
            merged[message.id] = message
        ordered = [merged[key] for key in sorted(merged)]
        kept = _requoted(ordered[:MAX_SHOWN] if self._detached else ordered[-MAX_SHOWN:], live)
        return [Shown(message, message.author.id == self._author_id, self._mentions_me(message)) for message in kept]

    def _mentions_me(self, message: Message) -> bool:
        """Whether the tab highlights `message` as mentioning it: someone else's, naming the tab's person."""
        return bool(self._person) and self._person in message.mentions and message.author.id != self._author_id

    def findable_text(self) -> list[str]:
        texts = [text for item in self.shown for text in (_shown_text(item.message), item.message.author.name)]
        texts += [
            DELETED if item.message.quote.deleted else item.message.quote.excerpt
            for item in self.shown
            if item.message.quote is not None and not item.message.deleted
        ]
        return [*texts, self.refusal] if self.refusal else texts

    async def _resume(self, event: GenericEventArguments) -> None:
        """After a (re)connect: join the stream again, then send what followed the tab's last message.

        A tab that missed more than it can show gets the latest page instead, with "Load older". A tab showing
        older messages (`_detached`) asks the same way to go back to the latest, and is then live again.
        """
        after = self._admitted(event)
        if after is None or self.is_deleted:
            return
        await self._join()
        joined_at = self._stream.sequence
        try:
            missed = await self._since(after, MAX_SHOWN + 1)
            if len(missed) <= MAX_SHOWN:
                self._detached = False
                self._send('receive', [*self._stream.changes_up_to(after), *missed], attached=True)
                return
            page = await self._history(None, PAGE_SIZE + 1)
        except ChatError:
            return  # the tab keeps what it shows; its next reconnect asks again
        self._sent.clear()
        self._detached = False
        self._joined_at = joined_at  # the tab starts over from this page and what follows it
        self._send('reset', page[-PAGE_SIZE:], more=len(page) > PAGE_SIZE)

    async def _older(self, event: GenericEventArguments) -> None:
        """The page before message id `before`, for "Load older"; a failing store leaves the tab as it is."""
        before = self._admitted(event)
        if before is None:
            return
        try:
            page = await self._history(before, PAGE_SIZE + 1)
        except ChatError as error:
            with self:
                ui.notify(error.message, type='warning')
            self._send('prepend', [], more=True)
            return
        more = len(page) > PAGE_SIZE
        page = page[-PAGE_SIZE:]
        if len(self.shown) + len(page) > MAX_SHOWN:
            self._detached = True  # the tab makes room by letting its newest go, as the component does
        self._send('prepend', page, more=more)

    async def _edit(self, event: GenericEventArguments) -> None:
        """Edit one of the tab's messages: the event names the message and the new text, nothing else."""
        args = event.args
        if isinstance(args, dict) and _is_id(args.get('id')) and isinstance(args.get('text'), str):
            await self._answer(args['id'], self._edit_message(args['id'], args['text']))

    async def _delete(self, event: GenericEventArguments) -> None:
        if _is_id(event.args):
            await self._answer(event.args, self._delete_message(event.args))

    async def _remove(self, event: GenericEventArguments) -> None:
        """A moderator's tab removes any message: the event names it, the room model decides whether it may."""
        if _is_id(event.args) and self._remove_message is not None:
            await self._answer(event.args, self._remove_message(event.args))

    async def _react(self, event: GenericEventArguments) -> None:
        """Add or take back the tab's reaction: the event names the message, the emoji and which, nothing else."""
        args = event.args
        if (
            isinstance(args, dict)
            and _is_id(args.get('id'))
            and isinstance(args.get('emoji'), str)
            and isinstance(args.get('on'), bool)
        ):
            await self._answer(args['id'], self._react_to(args['id'], args['emoji'], args['on']))

    async def _answer(self, message_id: int, change: Awaitable[Message]) -> None:
        """Tell the tab whether its change was made, or why not. A change made comes with the answer: the other
        tabs have it with the stream, which may hold it a moment (see `chat.ui.stream`)."""
        try:
            changed = await change
        except ChatError as error:
            self.refusal = error.message
            self.run_method('answered', {'id': message_id, 'error': self.refusal})
        else:
            self.refusal = None
            self.run_method('answered', {'id': message_id, 'error': None, 'message': wire(changed)})

    def reveal(self, message_id: int) -> None:
        """Scroll the tab to message `message_id` and mark it a moment. The tab asks for older pages (as "Load
        older" does) until the message is there; one further back than it can show takes it to the messages
        around it (`_around`); one the room no longer keeps is named as such."""
        self.run_method('reveal', message_id)

    def on_reply(self, handler: Reply) -> None:
        """Call `handler` with the id of each message the tab picks to reply to (its bubble's "Reply")."""

        async def picked(event: GenericEventArguments) -> None:
            if _is_id(event.args) and not REPLIES.wait(self.client.id):
                REPLIES.take(self.client.id)
                await handler(event.args)

        self.on('reply', picked)

    def _unreachable(self) -> None:
        with self:
            ui.notify('That message is no longer kept.', type='info')

    async def _around(self, event: GenericEventArguments) -> None:
        """The messages around message id `target`, for a tab that reveals one it cannot reach page by page.

        The tab shows them instead of what it showed, and leaves the live messages that follow for "Jump to
        latest", unless these already reach the latest.
        """
        target = self._admitted(event)
        if target is None:
            return
        try:
            before = await self._history(target + 1, AROUND + 2)
            after = await self._since(target, AROUND + 1)
        except ChatError as error:
            with self:
                ui.notify(error.message, type='warning')
            return
        if not before or before[-1].id != target:
            self._unreachable()
            return
        self._sent.clear()
        self._detached = len(after) > AROUND
        around = [*before[-AROUND - 1 :], *after[:AROUND]]
        self._send('jumped', around, more=len(before) > AROUND + 1, newer=self._detached)

    async def _join(self) -> None:
        """Put the tab's sockets in the room's broadcast; what they missed meanwhile the caller sends. A list
        deleted with its page (the tab lost the room, `chat.ui.removals`) never joins again."""
        if self.is_deleted:
            raise private_refusal()
        await room_broadcast.join(self.client.id, self.room)
        self._on_joined()

    def _admitted(self, event: GenericEventArguments) -> int | None:
        """The message id a request names, if it is one and the tab has not asked too often."""
        value = event.args
        if not _is_id(value) or REQUESTS.wait(self.client.id):
            return None
        REQUESTS.take(self.client.id)
        return value

    def _send(self, method: str, messages: list[Message], **extra: object) -> None:
        self._record(messages)
        self.run_method(method, {'messages': [wire(message) for message in messages], **extra})

    def _record(self, messages: list[Message]) -> None:
        """Remember what was sent, each message in its latest state, bounded: more than a page beyond what the
        tab can show is never needed."""
        for message in messages:
            known = self._sent.get(message.id)
            if known is None or message.revision > known.revision:
                self._sent[message.id] = message
        while len(self._sent) > MAX_SHOWN + PAGE_SIZE:
            del self._sent[max(self._sent) if self._detached else min(self._sent)]


def _requoted(shown: list[Message], live: list[Message]) -> list[Message]:
    """`shown` with the replies quoting a message edited or deleted in `live` showing its latest state, as the
    component updates them in the tab; one pass, however many changes."""
    changed = {message.id: message for message in live if message.edited_at is not None or message.deleted}
    return [
        replace(message, quote=quote_of_message(changed[message.quote.id]))
        if message.quote is not None and message.quote.id in changed
        else message
        for message in shown
    ]


def _shown_text(message: Message) -> str:
    if message.removed:
        return REMOVED
    return DELETED if message.deleted else message.text


def _is_id(value: object) -> TypeGuard[int]:
    """Whether a value from the browser can be a message id (JSON: a non-negative integer, not a boolean)."""
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
