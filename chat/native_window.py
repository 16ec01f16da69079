"""What runs inside the native window's own process: the window follows its page's title, and asks for attention
when the title shows a new mention.

The page counts mentions that arrive while it is in the background in its title, "(@2) lobby · Chat"
(`message_list.js`); a browser tab shows that title in its tab, and the desktop window shows it here. The
browser's Notification API has nothing to show in the window (pywebview's Qt page denies it), so a mention
asks for the window manager's attention instead (`QApplication.alert`: the taskbar entry flashes or is marked
urgent, as the desktop does it), which does nothing while the window is active.

NiceGUI runs the window in a process of its own and reaches it only through a fixed set of window methods,
so this module is handed to pywebview's `start(func=...)`, which calls it in that process once its GUI starts.
"""

from __future__ import annotations

import re
from typing import Any

import webview
from PyQt6.QtCore import QObject, pyqtSlot
from PyQt6.QtWidgets import QApplication, QWidget

MENTIONS = re.compile(r'\(@(\d+)\)')
SHOWN_SECONDS = 60.0


class TitleFollower(QObject):
    """Lives in the GUI thread: sets the window's title to its page's, and alerts on a higher mention count."""

    def __init__(self, window: QWidget) -> None:
        super().__init__()
        self._window = window
        self._mentions = 0

    @pyqtSlot(str)
    def follow(self, title: str) -> None:
        self._window.setWindowTitle(title)
        found = MENTIONS.match(title)
        mentions = int(found[1]) if found else 0
        if mentions > self._mentions:
            QApplication.alert(self._window)
        self._mentions = mentions


def follow_page_title() -> None:
    """Once the window is shown, have its page's title changes reach `TitleFollower` in the GUI thread.

    pywebview calls this in a thread of its own; the follower is moved to the GUI thread, so the signal reaches
    it there, where Qt widgets may be touched.
    """
    window = webview.windows[0]
    if not window.events.shown.wait(SHOWN_SECONDS):
        return
    browser: Any = window.native  # pywebview's Qt window (a QMainWindow), its page in `webview`; typed as None
    follower = TitleFollower(browser)
    follower.moveToThread(browser.thread())
    browser.follower = follower  # kept alive as long as the window
    browser.webview.titleChanged.connect(follower.follow)
