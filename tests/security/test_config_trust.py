"""Probe 9: a Redis beyond loopback without a password is refused (Huey pickles its messages)."""

from __future__ import annotations

import pytest

from app.config import ConfigError, load_config


def redis_env(url: str) -> dict[str, str]:
    return {"INKFRAME__QUEUE__STORAGE": "redis", "INKFRAME__QUEUE__REDIS_URL": url}


@pytest.mark.parametrize("url", ["redis://10.0.0.5:6379/0", "redis://user@redis.lan:6379/0", "rediss://redis.lan/0"])
def test_remote_redis_without_password_is_refused(url):
    with pytest.raises(ConfigError, match="needs a password in the URL.*pickled") as caught:
        load_config(None, environ=redis_env(url))
    assert "(hidden)" in str(caught.value)  # the URL (which may hold a password) is not echoed


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:6379/0", "redis://localhost/1", "redis://:s3cret-pass@10.0.0.5:6379/0"]
)
def test_loopback_or_password_protected_redis_is_accepted(url):
    assert load_config(None, environ=redis_env(url)).queue.redis_url == url


def test_sqlite_storage_ignores_the_redis_url():
    assert load_config(None, environ={"INKFRAME__QUEUE__REDIS_URL": "redis://10.0.0.5/0"}).queue.storage == "sqlite"
