"""Which address a rate limit or sign-in throttle counts: the visitor's, not the proxy's, and never
one the visitor made up."""

import pytest
from django.test import RequestFactory, override_settings

from clinic.net import client_ip, rate_limit_key


def request(forwarded=None, remote="10.0.0.2"):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded is not None else {}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **extra)


@pytest.mark.parametrize(("proxies", "forwarded", "expected"), [
    (0, "203.0.113.9", "10.0.0.2"),                     # no proxy: the header is the visitor's own words
    (1, "203.0.113.9", "203.0.113.9"),                  # the proxy saw 203.0.113.9
    (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),    # a made-up first entry is ignored
    (2, "198.51.100.1, 203.0.113.9, 10.0.0.7", "203.0.113.9"),
    (2, "203.0.113.9", "10.0.0.2"),                     # fewer entries than proxies: don't guess
    (1, "not-an-address", "10.0.0.2"),
    (1, None, "10.0.0.2"),
    (1, " 2001:db8::1 ", "2001:db8::1"),
    (1, "203.0.113.9:5123", "203.0.113.9"),              # some balancers add the port
    (1, "[2001:db8::1]:443", "2001:db8::1"),
])
def test_the_address_is_read_from_the_trusted_end_of_the_chain(proxies, forwarded, expected):
    with override_settings(CLINIC_TRUSTED_PROXIES=proxies):
        assert client_ip(request(forwarded)) == expected


@override_settings(CLINIC_TRUSTED_PROXIES=1)
def test_a_connection_from_outside_the_proxy_networks_cannot_choose_its_address():
    assert client_ip(request("198.51.100.1", remote="203.0.113.50")) == "203.0.113.50"
    with override_settings(CLINIC_TRUSTED_PROXY_NETWORKS="203.0.113.0/24"):
        assert client_ip(request("198.51.100.1", remote="203.0.113.50")) == "198.51.100.1"


def test_ipv6_visitors_are_counted_by_their_64_network():
    one = rate_limit_key(request(remote="2001:db8:1:2:aaaa::1"))
    same_home = rate_limit_key(request(remote="2001:db8:1:2:bbbb::7"))
    neighbour = rate_limit_key(request(remote="2001:db8:1:3::1"))
    assert one == same_home == "2001:db8:1:2::/64" and neighbour != one
    assert rate_limit_key(request(remote="203.0.113.9")) == "203.0.113.9"
