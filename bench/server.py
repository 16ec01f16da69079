"""The server a benchmark measures: one or more app processes, measured together as one server.

Several app processes form a group that shares rooms through a private `redis-server`, as a
deployment behind a load balancer would; the group's CPU and memory are the sums of its processes'.
How one process is started and measured is the test harness's `AppProcess`.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.app_process import AppProcess, temporary_data_dir
from tests.support.redis_server import RedisServer


@dataclass
class AppGroup:
    """`processes` app processes measured as one server: CPU and RSS are summed over them.

    With more than one, each gets its own data directory and `--redis-url` of a private Redis,
    so a message posted to process 0 reaches the others' tabs only through Redis. Process 0
    runs on `data_dir` (which may be seeded); the others' directories are removed on stop.
    """

    data_dir: Path
    processes: int = 1
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    apps: list[AppProcess] = field(default_factory=list)
    redis: RedisServer | None = None
    peak_rss_mb: float = 0.0

    @property
    def url(self) -> str:
        """Process 0's URL: where senders post and single-process scenarios go."""
        return self.apps[0].url

    @property
    def urls(self) -> list[str]:
        return [app.url for app in self.apps]

    @property
    def pid(self) -> int:
        """Process 0's id (the one `--profile` records)."""
        return self.apps[0].pid

    def start(self) -> AppGroup:
        args = self.args
        if self.processes > 1:
            self.redis = RedisServer(temporary_data_dir()).start()
            args = [*args, '--redis-url', self.redis.url]
        data_dirs = [self.data_dir] + [temporary_data_dir() for _ in range(self.processes - 1)]
        self.apps = [AppProcess(data_dir, args=args, env=self.env) for data_dir in data_dirs]
        for app in self.apps:
            app.start()
        return self

    def stop(self) -> None:
        for app in self.apps:
            app.stop()
            if app.data_dir != self.data_dir:
                shutil.rmtree(app.data_dir, ignore_errors=True)
        if self.redis is not None:
            self.redis.stop()
            shutil.rmtree(self.redis.directory, ignore_errors=True)

    def cpu_seconds(self) -> float:
        return sum(app.cpu_seconds() for app in self.apps)

    def rss_mb(self) -> float:
        """Resident memory of all processes now; `peak_rss_mb` is the highest such sum sampled."""
        rss = sum(app.rss_mb() for app in self.apps)
        self.peak_rss_mb = max(self.peak_rss_mb, rss)
        return rss

    def __enter__(self) -> AppGroup:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *_: object) -> None:
        self.stop()
