"""The addresses the chat can be opened at, for the terminal and the native window."""

from __future__ import annotations

import ipaddress

import ifaddr

ANY_ADDRESS = {'0.0.0.0', '::', ''}


def url_for(host: str, port: int, path: str = '/') -> str:
    """`http://host:port/path`, with an IPv6 address in brackets."""
    shown = f'[{host}]' if ':' in host else host
    return f'http://{shown}:{port}{path}'


def listening_urls(host: str, port: int) -> list[str]:
    """Every URL this machine serves the chat at: loopback first, then each interface's address when the
    chat listens on all of them (IPv6 ones too when it listens on `::`)."""
    if host not in ANY_ADDRESS:
        return [url_for(host, port)]
    with_v6 = host == '::'
    hosts = ['127.0.0.1', *(['::1'] if with_v6 else [])]
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            address = ip.ip if isinstance(ip.ip, str) else ip.ip[0]  # IPv6: (address, flowinfo, scope_id)
            if (ip.is_IPv4 or with_v6) and not ipaddress.ip_address(address).is_link_local and address not in hosts:
                hosts.append(address)
    return [url_for(address, port) for address in hosts]
