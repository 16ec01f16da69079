"""Faults as a user lives through them: a server killed mid-flood, a full or read-only disk, a dropped network.

Everything runs against a real `app.py` and the harness's protocol client (the load generator's too),
which talks NiceGUI's Socket.IO exactly as a browser tab does, so what is checked is what a page shows.
The disk faults are real: a small tmpfs that really fills up, and an ext4 image on a loop device
that really turns read-only after a filesystem error. Both need root (mount, a loop device): without
it they skip here, and fail in CI.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sqlite3
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest

from chat.domain.model import Author, ChatError, ErrorKind, Message
from chat.stores.messages.sqlite import SQLiteBackend
from chat.ui.message_list import PAGE_SIZE
from tests.support.app_process import AppProcess
from tests.support.cable import Cable
from tests.support.environment import RECONNECT_TIMEOUT, unavailable
from tests.support.protocol import Bubble, Network, ProtocolClient
from tests.support.stores import sqlite_connection
from tests.support.tabs import open_tabs
from tests.support.waiting import wait_for

AUTHOR = Author('fault-tab', 'Tester')
BIGGER_THAN_A_PAGE = 'x' * 5000  # needs a new page whatever the free space left in the others
NOT_SAVED = 'Your message could not be saved. Please try again.'
pytestmark = pytest.mark.settings(
    message_burst=0, ip_message_burst=0, tabs_per_ip=0
)  # tabs posting as fast as they can


class Tab:
    """A protocol-client tab and every bubble each load of its page has shown, in order."""

    def __init__(self, client: ProtocolClient, shown: list[Bubble]) -> None:
        self.client = client
        self.shown = shown

    def texts(self, *, own: bool | None = None, load: int | None = None) -> list[str]:
        """The texts this tab has shown (only its own, or only one page load's, if asked), in order."""
        return [
            bubble.text
            for bubble in self.shown
            if (own is None or bubble.own == own) and (load is None or bubble.load == load)
        ]

    async def send(self, text: str, timeout: float = 10) -> None:
        """Type `text`, press Enter and wait until the own page shows it (the server stored and broadcast it) and
        the input is empty again. The bubble comes in the room's emit, the cleared input in the page's own update,
        in either order; typing the next message before the clear arrives would have the clear erase it."""
        await self.client.post(text)
        await self.client.wait_for(lambda: text in self.texts(own=True) and self.client.composer_text() == '', timeout)


@contextlib.asynccontextmanager
async def recording_tabs(network: Network, url: str, count: int) -> AsyncIterator[list[Tab]]:
    """`count` tabs of `url`, each its own browser and recording what it shows, all closed afterwards."""
    shown: list[list[Bubble]] = [[] for _ in range(count)]
    async with open_tabs(network, url, count, lambda number, bubble: shown[number].append(bubble)) as clients:
        yield [Tab(client, bubbles) for client, bubbles in zip(clients, shown, strict=True)]


def stored_texts(database: Path, room: str) -> list[str]:
    """Every message of `room` in the store's one order, read from the file as a backup tool would."""
    with contextlib.closing(sqlite3.connect(f'file:{database}?mode=ro', uri=True)) as db:
        return [text for (text,) in db.execute('SELECT text FROM messages WHERE room = ? ORDER BY id', (room,))]


# --- SIGKILL mid-flood ---------------------------------------------------------------------------------------------


async def flood(tab: Tab, name: str) -> None:
    """Post as fast as the tab's own page confirms each message, until cancelled."""
    for number in range(1_000_000):
        await tab.send(f'{name} message {number}')


async def test_sigkill_mid_flood_loses_no_acknowledged_message(
    start_server: Callable[..., AppProcess], network: Network
) -> None:
    """Five tabs post at once; the server is SIGKILLed mid-flood and restarted on the same data directory.

    Whatever a sender's page showed was committed first, so the restarted server has it, once,
    and every tab's view before the crash is the start of the one stored order.
    """
    server = start_server()
    async with recording_tabs(network, f'{server.url}/room/flood', 5) as tabs:
        floods = [asyncio.create_task(flood(tab, f'tab{i}')) for i, tab in enumerate(tabs)]
        await tabs[0].client.wait_for(lambda: sum(len(tab.texts(own=True)) for tab in tabs) >= 80, timeout=30)
        assert not any(task.done() for task in floods), [task.exception() for task in floods if task.done()]
        server.kill()
        for task in floods:
            task.cancel()
        await asyncio.gather(*floods, return_exceptions=True)
        acknowledged = [text for tab in tabs for text in tab.texts(own=True)]
        views = [tab.texts() for tab in tabs]

    restarted = start_server(server.data_dir)
    stored = stored_texts(server.data_dir / 'chat.db', 'flood')
    duplicates = [text for text, count in Counter(stored).items() if count > 1]
    assert not duplicates, f'stored more than once: {duplicates}'
    lost = set(acknowledged) - set(stored)
    assert not lost, f'messages their senders saw were lost: {sorted(lost)}'
    for view in views:
        assert view == stored[: len(view)], 'a tab saw an order the store does not have'
    async with recording_tabs(network, f'{restarted.url}/room/flood', 1) as (fresh,):
        await fresh.client.wait_for(lambda: len(fresh.texts()) == min(len(stored), PAGE_SIZE), timeout=10)
        assert fresh.texts() == stored[-PAGE_SIZE:], 'a fresh page shows the latest stored messages in order'


# --- Full and read-only disks --------------------------------------------------------------------------------------


async def test_the_store_stays_usable_after_sqlite_reports_a_full_database(tmp_path: Path) -> None:
    """The same failure without root: SQLite's own size limit makes the insert fail with SQLITE_FULL.

    The connection must stay usable, so posting works again once there is room, without a restart.
    """
    delivered: list[Message] = []
    store = SQLiteBackend(tmp_path / 'chat.db')
    await store.start(delivered.append)
    try:
        await store.append('lobby', AUTHOR, 'fits')
        database = sqlite_connection(store)
        async with database.execute('PRAGMA page_count') as cursor:
            (pages,) = await cursor.fetchone()
        await database.execute(f'PRAGMA max_page_count = {pages}')
        with pytest.raises(ChatError) as refused:
            await store.append('lobby', AUTHOR, BIGGER_THAN_A_PAGE)
        assert (refused.value.kind, refused.value.message) == (ErrorKind.STORAGE, NOT_SAVED)
        await database.execute(f'PRAGMA max_page_count = {pages + 100}')
        await store.append('lobby', AUTHOR, BIGGER_THAN_A_PAGE)
        stored = [m.text for m in await store.history('lobby')]
        assert [m.text for m in delivered] == stored == ['fits', BIGGER_THAN_A_PAGE]
    finally:
        await store.stop()


def run_as_root(*command: str) -> None:
    """Run a mount-type command; without the privilege to, the disk tests cannot run here."""
    completed = subprocess.run(command, capture_output=True, text=True, timeout=30)
    if completed.returncode != 0:
        unavailable(f'{" ".join(command)} failed (the disk tests need root): {completed.stderr.strip()}')


def unmount(mountpoint: Path) -> None:
    """Unmount, or detach lazily if a process that outlived its test still holds a file there."""
    if subprocess.run(['umount', str(mountpoint)], capture_output=True).returncode != 0:
        subprocess.run(['umount', '--lazy', str(mountpoint)], capture_output=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MiB tmpfs: big enough for a chat database, small enough to fill in a moment."""
    mountpoint = tmp_path / 'small-disk'
    mountpoint.mkdir()
    run_as_root('mount', '-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', str(mountpoint))
    try:
        yield mountpoint
    finally:
        unmount(mountpoint)


@pytest.fixture
def ext4_disk(tmp_path: Path) -> Iterator[Path]:
    """An ext4 image on a loop device that turns read-only on a filesystem error, as servers' disks are mounted."""
    image, mountpoint = tmp_path / 'disk.img', tmp_path / 'ext4-disk'
    mountpoint.mkdir()
    with image.open('wb') as file:
        file.truncate(16 * 2**20)
    run_as_root('mkfs.ext4', '-q', '-F', str(image))
    run_as_root('mount', '-o', 'loop,errors=remount-ro', str(image), str(mountpoint))
    try:
        yield mountpoint
    finally:
        unmount(mountpoint)


def fill(disk: Path) -> Path:
    """Write a filler file until the filesystem has no byte left; deleting it gives the space back."""
    filler = disk / 'filler'
    descriptor = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(descriptor, bytes(65536)):
            pass
    except OSError as error:
        assert error.errno == errno.ENOSPC, error
    finally:
        os.close(descriptor)
    return filler


def break_filesystem(disk: Path) -> None:
    """Make ext4 detect an error (its own test hook), so `errors=remount-ro` turns it read-only under the app."""
    source = subprocess.run(['findmnt', '-n', '-o', 'SOURCE', str(disk)], capture_output=True, text=True).stdout
    hook = Path('/sys/fs/ext4') / Path(source.strip()).name / 'trigger_fs_error'
    if not hook.exists():
        unavailable(f'this kernel has no {hook} to make a filesystem read-only')
    hook.write_text('test: the disk went read-only\n')
    with pytest.raises(OSError) as refused:
        (disk / 'probe').write_text('x')
    assert refused.value.errno == errno.EROFS


async def refused_visibly(writer: Tab, reader: Tab, text: str) -> None:
    """Posting `text` fails as the user must see it: the reason under the input, the text still in it, no bubble."""
    await reader.client.wait_for(lambda: reader.texts() == writer.texts(), timeout=10)
    before = (writer.texts(), reader.texts())
    await writer.client.post(text)
    await writer.client.wait_for(lambda: writer.client.composer_error() == NOT_SAVED, timeout=10)
    assert writer.client.composer_text() == text, 'the typed text stays in the input'
    assert (writer.texts(), reader.texts()) == before, 'nothing was shown to anyone'


async def test_a_full_disk_refuses_posts_visibly_and_recovers_when_space_returns(
    small_disk: Path, start_server: Callable[..., AppProcess], network: Network, chat_env: Path
) -> None:
    server = start_server(chat_env, '--db', str(small_disk / 'chat.db'), '--log-level', 'debug')
    async with recording_tabs(network, f'{server.url}/room/disk', 2) as (alice, bob):
        await alice.send('before the disk filled')
        filler = fill(small_disk)
        await refused_visibly(alice, bob, 'while the disk is full')
        assert server.health()['status'] == 'ok', 'reading still works, so the process keeps serving'

        filler.unlink()
        await alice.client.post(alice.client.composer_text())  # the user presses Enter again
        await bob.client.wait_for(lambda: bob.texts() == ['before the disk filled', 'while the disk is full'], 10)
        # the bubble comes in the room's emit, the cleared input in the page's own update: either may be first
        sent = lambda: alice.texts(own=True) == bob.texts() and alice.client.composer_error() is None  # noqa: E731
        await alice.client.wait_for(lambda: sent() and alice.client.composer_text() == '', 10)
        assert server.process.poll() is None and (alice.client.loads, alice.client.disconnects) == (1, 0)
    assert stored_texts(small_disk / 'chat.db', 'disk') == ['before the disk filled', 'while the disk is full']
    assert 'the disk' not in server.log(), 'a failing store logs its error, never the text it could not store'


async def test_a_disk_gone_read_only_refuses_posts_visibly_and_the_chat_keeps_serving(
    ext4_disk: Path, start_server: Callable[..., AppProcess], network: Network, chat_env: Path
) -> None:
    """The filesystem turns read-only under the running app, as ext4 does after an error.

    Linux refuses to make such a filesystem writable again while files on it are open, so
    "rw again" means what an operator does: stop the app, check and remount the disk, start it.
    What was shown before the disk broke must be on it: each commit is synced before it is shown.
    """
    database = ext4_disk / 'chat.db'
    server = start_server(chat_env, '--db', str(database))
    async with recording_tabs(network, f'{server.url}/room/disk', 2) as (alice, bob):
        await alice.send('before the disk broke')
        break_filesystem(ext4_disk)
        await refused_visibly(alice, bob, 'while the disk is read-only')
        await refused_visibly(alice, bob, 'and again')
        assert server.process.poll() is None and (alice.client.loads, alice.client.disconnects) == (1, 0)
        async with recording_tabs(network, f'{server.url}/room/disk', 1) as (carol,):
            await carol.client.wait_for(lambda: carol.texts() == ['before the disk broke'], timeout=10)

    server.stop()
    unmount(ext4_disk)
    image = ext4_disk.parent / 'disk.img'
    subprocess.run(['e2fsck', '-f', '-y', str(image)], capture_output=True, timeout=60)
    run_as_root('mount', '-o', 'loop,errors=remount-ro', str(image), str(ext4_disk))
    restarted = start_server(chat_env, '--db', str(database))
    async with recording_tabs(network, f'{restarted.url}/room/disk', 1) as (alice,):
        await alice.send('while the disk is read-only')
        assert alice.texts() == ['before the disk broke', 'while the disk is read-only'], 'nothing shown was lost'


def composer_counter(tab: Tab) -> str:
    """The character counter under the input, e.g. '27 / 2000': the length of the text the server holds for it."""
    return next(e['text'] for e in tab.client.elements.values() if 'chat-counter' in e.get('class', ()))


async def test_a_refusal_quicker_than_the_browser_keeps_the_text_and_the_reason(
    ext4_disk: Path, start_server: Callable[..., AppProcess], network: Network, chat_env: Path
) -> None:
    """Enter clears the input at once; the browser's input answers that clearing by sending its new value back
    (NiceGUI's `updateValue`), one trip over the link later. A store that fails faster than that trip puts the
    text back first: the late answer must not empty the input, nor take the reason away, for the server or the tab.
    """
    server = start_server(chat_env, '--db', str(ext4_disk / 'chat.db'))
    async with (
        Cable(server.url, delay=0.3) as slow_link,
        recording_tabs(network, f'{slow_link.url}/room/disk', 1) as (alice,),
        recording_tabs(network, f'{server.url}/room/disk', 1) as (bob,),
    ):
        await alice.send('before the disk broke')
        break_filesystem(ext4_disk)
        await refused_visibly(alice, bob, 'while the disk is read-only')
        await alice.client.rename('')  # handled after all Alice sent before, so its refusal shows they were handled
        await alice.client.wait_for(lambda: name_error(alice) is not None, timeout=10)
        assert alice.client.composer_error() == NOT_SAVED, 'the reason stays under the input'
        assert alice.client.composer_text() == 'while the disk is read-only', 'the typed text stays in the input'
        assert composer_counter(alice) == '27 / 2000', 'and the server holds it too (Send sends it)'


def name_error(tab: Tab) -> str | None:
    """The reason shown under the header's name input, if it refused a name."""
    props = next(
        e.get('props', {}) for e in tab.client.elements.values() if e.get('props', {}).get('aria-label') == 'Your name'
    )
    return props.get('error-message') if props.get('error') else None


# --- Network drops -------------------------------------------------------------------------------------------------


def subscribers(server: AppProcess) -> int:
    """Room pages the server still keeps: a tab's page goes when NiceGUI deletes its client."""
    return server.health()['subscribers']


@contextlib.asynccontextmanager
async def cable_pair(server: AppProcess, network: Network) -> AsyncIterator[tuple[Cable, Tab, Tab]]:
    """Alice straight to the server and Bob through a cable the test can unplug, in one room."""
    async with (
        Cable(server.url) as cable,
        recording_tabs(network, f'{server.url}/room/net', 1) as (alice,),
        recording_tabs(network, f'{cable.url}/room/net', 1) as (bob,),
    ):
        yield cable, alice, bob


@pytest.mark.parametrize('silently', [False, True], ids=['server-notices', 'server-unaware'])
async def test_a_short_network_drop_replays_what_the_tab_missed(
    chat_server: AppProcess, network: Network, silently: bool
) -> None:
    """Whether the server saw the drop (and queued) or sent into the void (and must replay), nothing is missed."""
    async with cable_pair(chat_server, network) as (cable, alice, bob):
        await alice.send('before the drop')
        await bob.client.wait_for(lambda: bob.texts() == ['before the drop'], timeout=10)
        cable.unplug(silently=silently)
        dropped = time.monotonic()
        await bob.client.wait_for(lambda: not bob.client.connected, timeout=10)
        for number in range(3):
            await alice.send(f'missed {number}')
        cable.plug()
        assert time.monotonic() - dropped < RECONNECT_TIMEOUT / 2, 'the drop was short'
        missed = ['before the drop', 'missed 0', 'missed 1', 'missed 2']
        await bob.client.wait_for(lambda: bob.texts() == missed, timeout=10)
        assert bob.client.loads == 1, 'replayed into the same page, not reloaded'
        assert bob.client.disconnects == 1
        await alice.send('after the drop')
        await bob.client.wait_for(lambda: bob.texts() == [*missed, 'after the drop'], timeout=10)


async def test_after_a_long_network_drop_the_tab_reloads_with_the_complete_history(
    chat_server: AppProcess, network: Network
) -> None:
    async with cable_pair(chat_server, network) as (cable, alice, bob):
        await alice.send('before the drop')
        await bob.client.wait_for(lambda: bob.texts() == ['before the drop'], timeout=10)
        cable.unplug()
        dropped = time.monotonic()
        for number in range(3):
            await alice.send(f'missed {number}')
        await asyncio.to_thread(wait_for, lambda: subscribers(chat_server) == 1, 15, 'the server to drop the tab')
        assert time.monotonic() - dropped >= RECONNECT_TIMEOUT, 'the server waited for the tab to come back'
        cable.plug()
        history = ['before the drop', 'missed 0', 'missed 1', 'missed 2']
        await bob.client.wait_for(lambda: bob.client.loads == 2 and bob.texts(load=2) == history, timeout=20)
        assert bob.texts(load=1) == ['before the drop'], 'the old page never got the missed messages'
        await alice.send('after the reload')
        await bob.client.wait_for(lambda: bob.texts(load=2) == [*history, 'after the reload'], timeout=10)
