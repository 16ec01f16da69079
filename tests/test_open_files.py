"""The app raises its own soft limit of open files, so a thousand connections do not take it offline."""

import resource
import subprocess
import sys
from collections.abc import Callable

from chat.open_files import CEILING
from tests.support.app_process import ROOT, AppProcess

REPORT = (
    'import resource; resource.setrlimit(resource.RLIMIT_NOFILE, (256, 4096)); '
    'from chat.open_files import raise_soft_limit; '
    'print(raise_soft_limit(), *resource.getrlimit(resource.RLIMIT_NOFILE))'
)


def test_the_soft_limit_is_raised_to_the_hard_one() -> None:
    """In a child process whose soft limit starts low, as under a default login shell."""
    output = subprocess.run([sys.executable, '-c', REPORT], cwd=ROOT, capture_output=True, text=True, check=True)
    assert output.stdout.split() == ['4096', '4096', '4096']


def test_an_app_started_under_a_low_limit_raises_it(start_server: Callable[..., AppProcess]) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))  # the app inherits it
    try:
        server = start_server()
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    with open(f'/proc/{server.pid}/limits', encoding='utf-8') as limits:
        line = next(line for line in limits if line.startswith('Max open files'))
    assert int(line.split()[3]) == (CEILING if hard == resource.RLIM_INFINITY else min(hard, CEILING))
