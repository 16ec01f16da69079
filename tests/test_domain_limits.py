"""Rate and tab limits on a fake clock: bursts, sustained rates, per-address sharing, refusals that cost nothing."""

import pytest

from chat.domain.limits import Limits, LimitSettings, RateLimiter
from chat.domain.model import ChatError, ErrorKind


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def admitted(limits: Limits, tab: str, ip: str, *, new_room: bool = False) -> ErrorKind | None:
    """None if the message was admitted, else the kind of refusal."""
    try:
        limits.admit_message(tab, ip, new_room=new_room)
    except ChatError as error:
        assert error.message, 'every refusal says why'
        return error.kind
    return None


def test_a_bucket_allows_its_burst_then_one_per_interval(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=5, per_second=1.0, clock=clock)
    for _ in range(5):
        assert limiter.wait('tab') == 0
        limiter.take('tab')
    assert limiter.wait('tab') == pytest.approx(1.0)
    clock.now += 0.5
    assert limiter.wait('tab') == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.wait('tab') == 0
    limiter.take('tab')
    assert limiter.wait('tab') > 0
    clock.now += 60
    assert limiter.wait('tab') == 0, 'a quiet minute refills the burst, not more'
    for _ in range(5):
        limiter.take('tab')
    assert limiter.wait('tab') > 0


def test_a_limit_of_zero_is_off(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=0, per_second=1.0, clock=clock)
    for _ in range(1000):
        assert limiter.wait('tab') == 0
        limiter.take('tab')
    assert len(limiter) == 0


def test_refilled_buckets_are_forgotten(clock: FakeClock) -> None:
    limiter = RateLimiter(burst=2, per_second=1.0, clock=clock)
    for index in range(RateLimiter.PRUNE_EVERY - 1):
        limiter.take(f'visitor-{index}')
    clock.now += 10
    limiter.take('latest')
    assert len(limiter) == 1, 'memory follows the active senders, not everyone ever seen'


def test_a_tab_is_refused_after_its_burst_and_others_are_not(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=5, messages_per_second=1, ip_message_burst=0), clock)
    assert [admitted(limits, 'flooder', '10.0.0.1') for _ in range(7)] == [None] * 5 + [ErrorKind.RATE_LIMITED] * 2
    assert admitted(limits, 'neighbour', '10.0.0.1') is None
    clock.now += 1
    assert admitted(limits, 'flooder', '10.0.0.1') is None


def test_an_address_shares_one_budget_across_its_tabs(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=5, ip_message_burst=8, ip_messages_per_second=2), clock)
    results = [admitted(limits, f'tab-{index}', '10.0.0.1') for index in range(10)]
    assert results == [None] * 8 + [ErrorKind.RATE_LIMITED] * 2
    assert admitted(limits, 'tab-0', '10.0.0.2') is None, 'another address is not affected'
    with pytest.raises(ChatError, match='network address'):
        limits.admit_message('tab-0', '10.0.0.1', new_room=False)


def test_a_refused_message_costs_nothing(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=3, ip_message_burst=3, rooms_per_minute=1), clock)
    assert admitted(limits, 'tab', '10.0.0.1', new_room=True) is None
    assert admitted(limits, 'tab', '10.0.0.1', new_room=True) == ErrorKind.TOO_MANY_ROOMS
    assert admitted(limits, 'tab', '10.0.0.1') is None
    assert admitted(limits, 'tab', '10.0.0.1') is None, 'the refused new room spent none of the burst of the tab'
    assert admitted(limits, 'tab', '10.0.0.1') == ErrorKind.RATE_LIMITED


def test_rooms_per_minute_counts_new_rooms_per_address(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=0, ip_message_burst=0, rooms_per_minute=10), clock)
    assert [admitted(limits, 'tab', '10.0.0.1', new_room=True) for _ in range(11)] == [None] * 10 + [
        ErrorKind.TOO_MANY_ROOMS
    ]
    with pytest.raises(ChatError, match=r'10 rooms within a minute\. Wait 6 seconds'):
        limits.admit_message('tab', '10.0.0.1', new_room=True)
    assert admitted(limits, 'tab', '10.0.0.1') is None, 'posting in existing rooms goes on'
    clock.now += 6
    assert admitted(limits, 'tab', '10.0.0.1', new_room=True) is None


def test_tabs_per_address_are_counted_until_closed(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(tabs_per_ip=2), clock)
    first, _second = limits.open_tab('10.0.0.1'), limits.open_tab('10.0.0.1')
    with pytest.raises(ChatError, match='already has 2 chat tabs open') as refused:
        limits.open_tab('10.0.0.1')
    assert refused.value.kind == ErrorKind.TOO_MANY_TABS
    limits.open_tab('10.0.0.2')
    first()
    first()
    assert limits.open_tabs('10.0.0.1') == 1, 'closing twice counts once'
    limits.open_tab('10.0.0.1')
    assert limits.open_tabs('10.0.0.1') == 2


def test_no_tab_limit_when_set_to_zero(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(tabs_per_ip=0), clock)
    closers = [limits.open_tab('127.0.0.1') for _ in range(1000)]
    for close in closers:
        close()
    assert limits.open_tabs('127.0.0.1') == 0
