"""Where the terminal says the chat can be opened."""

from __future__ import annotations

import ipaddress

import ifaddr

from chat.addresses import listening_urls, url_for


def test_a_chat_on_one_address_is_opened_there() -> None:
    assert listening_urls('127.0.0.1', 8080) == ['http://127.0.0.1:8080/']
    assert listening_urls('::1', 8080) == ['http://[::1]:8080/']
    assert url_for('fd00::2', 9000, '/room/kitchen') == 'http://[fd00::2]:9000/room/kitchen'


def test_a_chat_on_every_address_lists_loopback_first_then_each_interface() -> None:
    """Computed from the interfaces, without listening on them."""
    ipv4 = [ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips if isinstance(ip.ip, str)]
    expected = {url_for(ip, 8080) for ip in ipv4 if not ipaddress.ip_address(ip).is_link_local}
    urls = listening_urls('0.0.0.0', 8080)
    assert urls[0] == 'http://127.0.0.1:8080/'
    assert set(urls) == expected | {urls[0]} and len(urls) == len(set(urls))
    assert all('[' not in url for url in urls), 'IPv4 only, as 0.0.0.0 listens on IPv4 only'
    assert 'http://[::1]:8080/' in listening_urls('::', 8080)
