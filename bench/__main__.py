"""`python -m bench <scenario>`: start the app, load it with simulated tabs, record and print the results.

Each scenario gets its own `app.py` process on a free loopback port with a temporary data
directory, stopped and removed afterwards; results are appended to bench/results.jsonl.
`fanout --processes K` runs K app processes sharing the room through a private redis-server.
`fanout` and `saturate` also run against the comparison servers (`--servers`), one run each.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import math
import shutil
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import scenarios
from bench.load import spread_workers
from bench.results import RESULTS, comparison, record, table, verdicts
from bench.server import COMPARISONS, AppGroup, ComparisonServer, Server
from tests.support.app_process import temporary_data_dir
from tests.support.protocol import use_orjson

Measure = Callable[[Server], Awaitable[dict]]
SERVERS = ('app', *COMPARISONS)  # ours first
PROFILE_FORMATS = {'.svg': 'flamegraph', '.json': 'speedscope'}
# The generator's tabs all come from 127.0.0.1 and one paced sender stands for a whole room of
# people, so the limits meant for one person are off unless a scenario or --app-env sets them,
# and rooms keep every message, so a seeded room stays the size the scenario asked for.
# A closed tab's page goes after 3 s instead of the product's minute and more (kept for tabs that come back),
# so scenarios that close tabs and wait for the server to let them go need not wait that long.
NO_LIMITS = {
    'CHAT_MESSAGE_BURST': '0',
    'CHAT_IP_MESSAGE_BURST': '0',
    'CHAT_ROOMS_PER_MINUTE': '0',
    'CHAT_TABS_PER_IP': '0',
    'CHAT_IP_STORAGE_PER_DAY': '0',
    'CHAT_REACTION_BURST': '0',
    'CHAT_IP_REACTION_BURST': '0',
    'CHAT_KEEP_MESSAGES': '0',
    'CHAT_RECONNECT_TIMEOUT': '3',
}


@dataclass
class Run:
    """One scenario at one size on one server: what to seed before the app starts, and what to measure."""

    scenario: str
    parameters: dict[str, object]
    measure: Measure
    seed: tuple[str, int] | None = None  # (room, messages) written before the app starts
    rooms: int = 0  # rooms, one message each, written before the app starts
    app_args: list[str] = field(default_factory=list)
    app_env: dict[str, str] = field(default_factory=lambda: dict(NO_LIMITS))
    processes: int = 1  # app processes; more than one share the room through a private Redis
    server: str = 'app'  # or a comparison server, a key of COMPARISONS


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    use_orjson()
    runs = planned(args)
    rows = [execute(run, args.results, profile_path(args.profile, index, len(runs))) for index, run in enumerate(runs)]
    print(table(rows))
    if side_by_side := comparison(rows):
        print('\n' + side_by_side)
    if lines := verdicts(rows):
        print('\ntargets:\n' + '\n'.join(lines))
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--workers', type=int, default=0, help='receiver processes (default: one per 400 clients)')
    example = '--app-arg=--redis-url=redis://127.0.0.1:6379/0'
    common.add_argument('--app-arg', action='append', default=[], metavar='ARG',
                        help=f'extra app.py argument, repeatable, e.g. {example}')  # fmt: skip
    common.add_argument('--app-env', action='append', default=[], metavar='NAME=VALUE',
                        help='environment variable for app.py, repeatable (CHAT_* included)')  # fmt: skip
    common.add_argument('--results', type=Path, default=RESULTS, help=f'JSON lines file to append to ({RESULTS.name})')
    common.add_argument('--profile', type=Path, help='record the server with py-spy (.svg, .json or raw .txt)')
    compared = argparse.ArgumentParser(add_help=False)
    compared.add_argument('--servers', type=server_names, default=list(SERVERS), metavar='NAME,...',
                          help=f'servers to load, one run each, from {",".join(SERVERS)} (default: all)')  # fmt: skip
    main_parser = argparse.ArgumentParser(prog='python -m bench', description=__doc__)
    commands = main_parser.add_subparsers(dest='scenario', required=True)
    fanout = commands.add_parser('fanout', parents=[common, compared], help='N receivers, paced senders, one room')
    fanout.add_argument('--clients', type=int, default=100)
    fanout.add_argument('--rate', type=float, default=10.0, help='messages per second')
    fanout.add_argument('--messages', type=int, default=200)
    fanout.add_argument('--senders', type=int, default=1)
    fanout.add_argument('--processes', type=int, default=1, help="our app's processes, sharing the room via Redis")
    saturate = commands.add_parser(
        'saturate', parents=[common, compared], help='raise the rate until p99 > 1 s or a loss'
    )
    saturate.add_argument('--clients', type=int, default=100)
    saturate.add_argument('--senders', type=int, help='sending tabs (default: one per 50 msg/s)')
    flood = commands.add_parser('flood', parents=[common], help='fanout while one tab floods the room')
    flood.add_argument('--clients', type=int, default=100)
    flood.add_argument('--rate', type=float, default=10.0, help='messages per second of the well-behaved tabs')
    flood.add_argument('--messages', type=int, default=200)
    flood.add_argument('--flood-rate', type=float, default=100.0, help='messages per second the flooder attempts')
    overload = commands.add_parser('overload', parents=[common], help='more messages than the app can deliver')
    overload.add_argument('--clients', type=int, default=100)
    overload.add_argument('--rate', type=float, default=400.0, help='messages per second (twice the target held)')
    overload.add_argument('--seconds', type=float, default=10.0)
    attacks = commands.add_parser('attacks', parents=[common], help='fanout while one address attacks connections')
    attacks.add_argument('--clients', type=int, default=100)
    attacks.add_argument('--rate', type=float, default=10.0, help='messages per second of the well-behaved tabs')
    attacks.add_argument('--messages', type=int, default=50, help='messages per round: one quiet, one per attack')
    attacks.add_argument('--connections', type=int, default=300, help='connections the attacker keeps open at once')
    resume = commands.add_parser('resume', parents=[common], help='a tab away while messages arrive, then back')
    resume.add_argument('--away', type=float, default=60.0, help='seconds the tab is offline')
    resume.add_argument('--messages', type=int, default=500, help='messages posted meanwhile')
    idle = commands.add_parser('idle-memory', parents=[common], help='server RSS per idle client')
    idle.add_argument('--clients', type=levels, default=[100, 500, 1000], help='comma-separated room sizes')
    churn = commands.add_parser('churn', parents=[common], help='clients come, receive and go in batches')
    churn.add_argument('--clients', type=int, default=1000)
    churn.add_argument('--batch', type=int, default=100)
    page = commands.add_parser('page-load', parents=[common], help='open a room with a long history')
    page.add_argument('--messages', type=int, default=100_000)
    page.add_argument('--loads', type=int, default=20)
    rooms = commands.add_parser('rooms-page', parents=[common], help='the rooms page with many rooms stored')
    rooms.add_argument('--rooms', type=int, default=10_000)
    rooms.add_argument('--loads', type=int, default=100, help='GETs of each page measured')
    rooms.add_argument('--depth', type=int, default=200, help='which page is the deep one (1 is the first)')
    reactions = commands.add_parser(
        'reactions', parents=[common], help='fanout, then the same with reactions and edits'
    )
    reactions.add_argument('--clients', type=int, default=100)
    reactions.add_argument('--rate', type=float, default=10.0, help='messages per second')
    reactions.add_argument('--messages', type=int, default=200)
    reactions.add_argument('--reaction-rate', type=float, default=10.0, help='reactions per second, second round')
    reactions.add_argument('--edit-rate', type=float, default=1.0, help='edits per second, second round')
    commands.add_parser('all', parents=[common], help='every scenario at the sizes of the targets')
    return main_parser


def levels(text: str) -> list[int]:
    return [int(part) for part in text.split(',') if part]


def server_names(text: str) -> list[str]:
    names = [name for name in text.split(',') if name]
    if unknown := [name for name in names if name not in SERVERS]:
        raise argparse.ArgumentTypeError(f'unknown server {", ".join(unknown)}; choose from {", ".join(SERVERS)}')
    return names


ALL = (
    ['fanout'],
    ['fanout', '--clients', '500'],
    ['fanout', '--clients', '1000'],
    ['saturate'],
    ['overload'],
    ['resume'],
    ['flood'],
    ['attacks'],
    ['reactions'],
    ['idle-memory'],
    ['churn'],
    ['page-load'],
    ['rooms-page'],
)


def planned(args: argparse.Namespace) -> list[Run]:
    """The runs the command line asks for; `all` is each scenario at the sizes of the targets."""
    if args.scenario == 'all':
        return [run for command in ALL for run in planned(parser().parse_args([*command, *forwarded(args)]))]
    runs = PLANS[args.scenario](args)
    for run in runs:
        run.app_args = args.app_arg
        run.app_env = run.app_env | dict(variable.split('=', 1) for variable in args.app_env)
    return runs


def workers_for(args: argparse.Namespace, tabs: int) -> int:
    """`--workers`, else one receiver process per 400 tabs open at once: one process keeps up with that."""
    return args.workers or max(1, math.ceil(tabs / 400))


def plan_fanout(args: argparse.Namespace) -> list[Run]:
    """Fan-out on each of `--servers`; our app over `--processes` processes, each with at least one receiver
    worker, all the same number."""
    runs = []
    for server in args.servers:
        processes = args.processes if server == 'app' else 1
        workers = spread_workers(workers_for(args, args.clients), processes)
        parameters = {'server': server, 'clients': args.clients, 'rate': args.rate, 'messages': args.messages,
                      'senders': args.senders, 'processes': processes, 'workers': workers}  # fmt: skip
        measure = functools.partial(scenarios.fanout, clients=args.clients, rate=args.rate, messages=args.messages,
                                    workers=workers, senders=args.senders)  # fmt: skip
        runs.append(Run('fanout', parameters, measure, processes=processes, server=server))
    return runs


def plan_saturate(args: argparse.Namespace) -> list[Run]:
    workers = workers_for(args, args.clients)
    parameters = {'clients': args.clients, 'senders': args.senders or 'auto', 'workers': workers}
    measure = functools.partial(scenarios.saturate, clients=args.clients, workers=workers, senders=args.senders)
    return [Run('saturate', {'server': server, **parameters}, measure, server=server) for server in args.servers]


def plan_overload(args: argparse.Namespace) -> list[Run]:
    workers = workers_for(args, args.clients)
    parameters = {'clients': args.clients, 'rate': args.rate, 'seconds': args.seconds, 'workers': workers}
    measure = functools.partial(scenarios.overload, clients=args.clients, rate=args.rate, seconds=args.seconds,
                                workers=workers)  # fmt: skip
    return [Run('overload', parameters, measure)]


def plan_resume(args: argparse.Namespace) -> list[Run]:
    """The app keeps a tab's page for its own reconnect timeout here, not the 3 s the other scenarios use."""
    parameters = {'away': args.away, 'messages': args.messages}
    measure = functools.partial(scenarios.resume, away=args.away, messages=args.messages)
    env = {name: value for name, value in NO_LIMITS.items() if name != 'CHAT_RECONNECT_TIMEOUT'}
    return [Run('resume', parameters, measure, app_env=env)]


def plan_flood(args: argparse.Namespace) -> list[Run]:
    """The app's own per-tab limit stays on: it is what holds the flooder back."""
    workers = workers_for(args, args.clients)
    parameters = {'clients': args.clients, 'rate': args.rate, 'messages': args.messages,
                  'flood_rate': args.flood_rate, 'workers': workers}  # fmt: skip
    measure = functools.partial(scenarios.flood, clients=args.clients, rate=args.rate, messages=args.messages,
                                workers=workers, flood_rate=args.flood_rate)  # fmt: skip
    env = {name: value for name, value in NO_LIMITS.items() if name != 'CHAT_MESSAGE_BURST'}
    return [Run('flood', parameters, measure, app_env=env)]


def plan_attacks(args: argparse.Namespace) -> list[Run]:
    """The app's per-address connection cap stays at its default: it is what holds the attacker back."""
    workers = workers_for(args, args.clients)
    parameters = {'clients': args.clients, 'rate': args.rate, 'messages': args.messages,
                  'connections': args.connections, 'workers': workers}  # fmt: skip
    measure = functools.partial(scenarios.attacks, clients=args.clients, rate=args.rate, messages=args.messages,
                                workers=workers, connections=args.connections)  # fmt: skip
    return [Run('attacks', parameters, measure)]


def plan_idle_memory(args: argparse.Namespace) -> list[Run]:
    workers = workers_for(args, max(args.clients))
    parameters = {'clients': ','.join(map(str, args.clients)), 'workers': workers}
    measure = functools.partial(scenarios.idle_memory, levels=args.clients, workers=workers)
    return [Run('idle-memory', parameters, measure, seed=(scenarios.ROOM_NAME, scenarios.HISTORY_SHOWN))]


def plan_churn(args: argparse.Namespace) -> list[Run]:
    workers = workers_for(args, args.batch)
    parameters = {'clients': args.clients, 'batch': args.batch, 'workers': workers}
    measure = functools.partial(scenarios.churn, clients=args.clients, batch=args.batch, workers=workers)
    return [Run('churn', parameters, measure)]


def plan_page_load(args: argparse.Namespace) -> list[Run]:
    parameters = {'messages': args.messages, 'loads': args.loads}
    measure = functools.partial(scenarios.page_load, loads=args.loads)
    return [Run('page-load', parameters, measure, seed=(scenarios.BIG_ROOM_NAME, args.messages))]


def plan_rooms_page(args: argparse.Namespace) -> list[Run]:
    parameters = {'rooms': args.rooms, 'loads': args.loads, 'depth': args.depth}
    measure = functools.partial(scenarios.rooms_page, loads=args.loads, depth=args.depth)
    return [Run('rooms-page', parameters, measure, rooms=args.rooms)]


def plan_reactions(args: argparse.Namespace) -> list[Run]:
    workers = workers_for(args, args.clients)
    parameters = {'clients': args.clients, 'rate': args.rate, 'messages': args.messages,
                  'reaction_rate': args.reaction_rate, 'edit_rate': args.edit_rate, 'workers': workers}  # fmt: skip
    measure = functools.partial(scenarios.reactions, clients=args.clients, rate=args.rate, messages=args.messages,
                                workers=workers, reaction_rate=args.reaction_rate,
                                edit_rate=args.edit_rate)  # fmt: skip
    return [Run('reactions', parameters, measure)]


PLANS: dict[str, Callable[[argparse.Namespace], list[Run]]] = {
    'fanout': plan_fanout,
    'saturate': plan_saturate,
    'overload': plan_overload,
    'resume': plan_resume,
    'flood': plan_flood,
    'attacks': plan_attacks,
    'idle-memory': plan_idle_memory,
    'churn': plan_churn,
    'page-load': plan_page_load,
    'rooms-page': plan_rooms_page,
    'reactions': plan_reactions,
}


def forwarded(args: argparse.Namespace) -> list[str]:
    """The common options of `all`, handed on to each scenario."""
    options = [f'--app-arg={arg}' for arg in args.app_arg] + [f'--app-env={env}' for env in args.app_env]
    options += ['--results', str(args.results)]
    return options + (['--workers', str(args.workers)] if args.workers else [])


def profile_path(profile: Path | None, index: int, runs: int) -> Path | None:
    """With several runs, each gets its own flame graph: profile-0.svg, profile-1.svg, ..."""
    if profile is None or runs == 1:
        return profile
    return profile.with_stem(f'{profile.stem}-{index}')


def execute(run: Run, results: Path, profile: Path | None) -> dict:
    """Seed, start the server (our app, a group of apps, or a comparison server), measure, stop it, and append
    the result."""
    print(f'running {run.scenario} {run.parameters}', file=sys.stderr, flush=True)
    data_dir = temporary_data_dir()
    try:
        if run.seed is not None:
            scenarios.seed(data_dir / 'chat.db', *run.seed)
        if run.rooms:
            from tests.support.seeding import seed_rooms  # here, so that only seeding imports the app's code

            seed_rooms(data_dir / 'chat.db', run.rooms)
        server = (
            AppGroup(data_dir, run.processes, args=run.app_args, env=run.app_env)
            if run.server == 'app'
            else ComparisonServer(run.server)
        )
        with server as running, profiling(running, profile):
            metrics = asyncio.run(run.measure(running))
        return record(run.scenario, run.parameters, metrics, results)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


@contextlib.contextmanager
def profiling(app: Server, output: Path | None) -> Iterator[None]:
    """Record the server (process 0 of a group) with py-spy while the block runs (needs ptrace rights, e.g. root).

    The file's suffix picks the format: .svg a flame graph, .json speedscope, anything else
    py-spy's raw collapsed stacks, which `sort | head` can read.
    """
    if output is None:
        yield
        return
    spy_format = PROFILE_FORMATS.get(output.suffix, 'raw')
    command = ['record', '--pid', str(app.pid), '--output', str(output), '--format', spy_format]
    spy = subprocess.Popen([str(Path(sys.executable).with_name('py-spy')), *command], stdout=subprocess.DEVNULL)
    try:
        yield
    finally:
        spy.send_signal(signal.SIGINT)
        try:
            spy.wait(60)
        except subprocess.TimeoutExpired:
            spy.kill()
            spy.wait(10)


if __name__ == '__main__':
    sys.exit(main())
