"""The process's own limit of open files, raised as far as the system lets it.

Every connected tab holds a socket, and so does every idle connection; under the common soft
limit of 1 024 open files, about a thousand connections from anyone would stop the chat from
accepting more. The hard limit is the operator's to set; up to it, the process raises its own.
"""

from __future__ import annotations

import resource

CEILING = 1 << 20  # Linux's default nr_open: no process gets more, whatever the hard limit says


def raise_soft_limit() -> int:
    """Raise the soft limit of open files to the hard one (at most `CEILING`); returns the limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = CEILING if hard == resource.RLIM_INFINITY else min(hard, CEILING)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        soft = target
    return soft
