import pytest


@pytest.fixture
def staff_client(client):
    from .factories import make_staff

    client.force_login(make_staff())
    return client
