"""What the terminal says once the chat serves: where to open it, and whether a native window opens."""

from __future__ import annotations

from nicegui import run

from chat.addresses import listening_urls
from chat.config import Settings
from chat.internals import serving
from chat.native import window_url


async def announce(settings: Settings) -> None:
    """Print the chat's addresses to stdout once it listens on them, as NiceGUI and uvicorn users expect."""
    await serving.listening()
    urls = await run.io_bound(listening_urls, settings.host, settings.port)
    if urls is None:  # NiceGUI's answer when the app stops before the thread could run: nothing to announce
        return
    print(ready_lines(settings, urls), flush=True)


def ready_lines(settings: Settings, urls: list[str]) -> str:
    lines = ['Chat ready on:', *(f'  {url}' for url in urls)]
    if settings.native:
        lines.append(f'Native window: opening {window_url(settings)}')
    else:
        lines.append('Native window: off (start with --native to open one)')
    return '\n'.join(lines)
