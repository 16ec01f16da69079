"""Real headless Chromium sessions for the browser tests, each with its own profile, all quit afterwards."""

from __future__ import annotations

import shutil
import tempfile

from selenium import webdriver

from tests.support.environment import require_chromium

# chromedriver gives up on a page (or a script) after these many seconds, with "Timed out receiving message
# from renderer" for a navigation. With several Chromiums and app processes on two cores, a page that loads
# in 100 ms alone can take seconds, so the limits are generous: they cost nothing while things work.
PAGE_LOAD_SECONDS = 120
SCRIPT_SECONDS = 60
ARGUMENTS = (
    '--headless=new',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-dev-shm-usage',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
)


class Chromium:
    """Launches independent headless Chromium sessions (own profile, own cookies); `quit` ends every one.

    Outside CI a machine without Chromium skips the test that asks for one; in CI that is a failure.
    """

    def __init__(self) -> None:
        self.browser, self.driver = require_chromium()
        self.drivers: list[webdriver.Chrome] = []
        self.profiles: list[str] = []

    def launch(self, width: int = 1000, height: int = 800) -> webdriver.Chrome:
        profile = tempfile.mkdtemp(prefix='chat-chromium-')
        self.profiles.append(profile)
        options = webdriver.ChromeOptions()
        options.binary_location = self.browser
        for argument in (*ARGUMENTS, f'--user-data-dir={profile}', f'--window-size={width},{height}'):
            options.add_argument(argument)
        options.set_capability('goog:loggingPrefs', {'browser': 'ALL'})
        driver = webdriver.Chrome(service=webdriver.ChromeService(self.driver), options=options)
        driver.set_page_load_timeout(PAGE_LOAD_SECONDS)
        driver.set_script_timeout(SCRIPT_SECONDS)
        self.drivers.append(driver)
        return driver

    def quit(self) -> None:
        for driver in self.drivers:
            driver.quit()
        for profile in self.profiles:
            shutil.rmtree(profile, ignore_errors=True)
