"""Who a tab is, against a real `app.py`: a reload keeps the tab's author, a duplicated tab is another one."""

from __future__ import annotations

from tests.support.app_process import AppProcess
from tests.support.protocol import Browser, Network, ProtocolClient

ROOM = '/room/identity'
WAIT = 10.0


def own_texts(tab: ProtocolClient) -> list[str]:
    return [bubble.text for bubble in tab.bubbles.values() if bubble.own]


async def post_and_see(tab: ProtocolClient, text: str, *others: ProtocolClient) -> None:
    await tab.post(text)
    for seer in (tab, *others):
        await seer.wait_for(lambda seer=seer: text in [b.text for b in seer.bubbles.values()], WAIT)


async def test_a_duplicated_tab_of_the_same_browser_is_its_own_author_through_reloads(
    chat_server: AppProcess, network: Network
) -> None:
    """The browser copies a tab's sessionStorage into its duplicate, and NiceGUI its tab storage; "own" is this tab."""
    browser = Browser(network)
    original = ProtocolClient(browser, chat_server.url + ROOM)
    duplicate = ProtocolClient(browser, chat_server.url + ROOM, old_tab_id=original.tab_id)
    try:
        await original.open()
        await post_and_see(original, 'from the original')
        await duplicate.open()
        await duplicate.wait_for(lambda: len(duplicate.bubbles) == 1, WAIT)
        await post_and_see(duplicate, 'from the duplicate', original)
        await duplicate.reload()
        await original.reload()
        for tab in (duplicate, original):
            await tab.wait_for(lambda tab=tab: len(tab.bubbles) == 2, WAIT)
        assert own_texts(original) == ['from the original']
        assert own_texts(duplicate) == ['from the duplicate']
    finally:
        await duplicate.close()
        await original.close()
