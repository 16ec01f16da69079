"""Rate, tab and storage limits on a fake clock: bursts, sustained rates, per-address sharing, daily budgets,
refusals that cost nothing."""

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


def admitted(limits: Limits, tab: str, ip: str, *, new_room: bool = False, size: int = 10) -> ErrorKind | None:
    """None if the message (of `size` bytes) was admitted, else the kind of refusal."""
    try:
        limits.admit_message(tab, ip, new_room=new_room, size=size)
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
        limits.admit_message('tab-0', '10.0.0.1', new_room=False, size=10)


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
        limits.admit_message('tab', '10.0.0.1', new_room=True, size=10)
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


def test_an_address_may_store_its_daily_budget_of_text_then_regains_it_over_the_day(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=0, ip_message_burst=0, ip_storage_per_day=10_000), clock)
    assert [admitted(limits, 'tab', '10.0.0.1', size=4000) for _ in range(3)] == [None, None, ErrorKind.OVER_BUDGET]
    with pytest.raises(
        ChatError, match=r'may store 10 kB of messages a day, and this one would pass that\. Wait 5 hours'
    ) as refused:
        limits.admit_message('tab', '10.0.0.1', new_room=False, size=4000)
    assert admitted(limits, 'tab', '10.0.0.1', size=2000) is None, 'what is left of the budget may still be used'
    assert admitted(limits, 'tab', '10.0.0.2', size=4000) is None, 'another address has its own budget'
    assert 'try again' in refused.value.message
    clock.now += 86_400 * 4000 / 10_000
    assert admitted(limits, 'tab', '10.0.0.1', size=4000) is None, 'the budget refills steadily over the day'
    assert admitted(limits, 'tab', '10.0.0.1', size=100) == ErrorKind.OVER_BUDGET


def test_a_message_over_budget_costs_nothing_of_the_other_limits(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=2, ip_message_burst=0, ip_storage_per_day=10_000), clock)
    assert admitted(limits, 'tab', '10.0.0.1', size=8000) is None
    assert admitted(limits, 'tab', '10.0.0.1', size=3000) == ErrorKind.OVER_BUDGET
    assert admitted(limits, 'tab', '10.0.0.1', size=1000) is None, 'the refused message spent none of the burst'
    assert admitted(limits, 'tab', '10.0.0.1', size=1) == ErrorKind.RATE_LIMITED
    clock.now += 1
    assert admitted(limits, 'tab', '10.0.0.1', size=1) is None, 'the rate-limited message spent none of the budget'


def test_no_storage_budget_when_set_to_zero(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(message_burst=0, ip_message_burst=0, ip_storage_per_day=0), clock)
    assert all(admitted(limits, 'tab', '10.0.0.1', size=8000) is None for _ in range(1000))


def reacted(limits: Limits, tab: str, ip: str) -> str | None:
    """None if the reaction was admitted, else why not."""
    try:
        limits.admit_reaction(tab, ip)
    except ChatError as error:
        assert error.kind == ErrorKind.RATE_LIMITED
        return error.message
    return None


def test_reactions_have_their_own_burst_and_rate_per_tab_and_address(clock: FakeClock) -> None:
    limits = Limits(
        LimitSettings(reaction_burst=10, reactions_per_second=2, ip_reaction_burst=15, ip_reactions_per_second=1), clock
    )
    assert [reacted(limits, 'tab', '10.0.0.1') for _ in range(10)] == [None] * 10
    assert reacted(limits, 'tab', '10.0.0.1') == 'You are reacting too fast. Wait 1 second and try again.'
    assert admitted(limits, 'tab', '10.0.0.1') is None, 'reacting leaves the messages alone'
    clock.now += 0.5
    assert reacted(limits, 'tab', '10.0.0.1') is None
    assert reacted(limits, 'tab', '10.0.0.1') is not None
    assert [reacted(limits, 'other-tab', '10.0.0.1') for _ in range(4)] == [None] * 4
    assert (reacted(limits, 'third-tab', '10.0.0.1') or '').startswith('Too many reactions from your network address')
    assert reacted(limits, 'tab-elsewhere', '10.0.0.2') is None


def test_invite_links_opened_per_address_are_limited_per_minute(clock: FakeClock) -> None:
    limits = Limits(LimitSettings(invites_per_minute=3), clock)
    for _ in range(3):
        limits.admit_invite('10.0.0.1')
    with pytest.raises(ChatError) as refused:
        limits.admit_invite('10.0.0.1')
    assert refused.value.kind == ErrorKind.RATE_LIMITED
    assert refused.value.message == (
        'Too many invite links opened from your network address. Wait 20 seconds and try again.'
    )
    limits.admit_invite('10.0.0.2')
    clock.now += 20
    limits.admit_invite('10.0.0.1')
    Limits(LimitSettings(invites_per_minute=0), clock).admit_invite('10.0.0.1')  # off
