r"""A real headless browser for the report.html test: Debian's ``chromium``, installed here with
apt-get when it is missing (idempotent: nothing happens when it is on PATH). Where it cannot be
installed (not root, no apt-get, no package index), the tests that need it are skipped and say why."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

INSTALL_TIMEOUT_S = 900


def _install_chromium() -> str:
    """Install Debian's chromium; return '' on success, else why it could not be installed."""
    if os.geteuid() != 0:
        return "chromium is not installed and installing it needs root (apt-get install -y chromium)"
    if shutil.which("apt-get") is None:
        return "chromium is not installed and this system has no apt-get"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "install", "-y", "-q", "chromium"],
                    ["apt-get", "update", "-q"], ["apt-get", "install", "-y", "-q", "chromium"]):
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_S)
        if proc.returncode == 0 and shutil.which("chromium"):
            return ""
    return f"apt-get could not install chromium: {proc.stderr.strip()[-300:]}"


@pytest.fixture(scope="session")
def chromium() -> str:
    """The path of a headless-capable chromium (installed when missing), or skip with the reason."""
    if shutil.which("chromium") is None:
        reason = _install_chromium()
        if reason:
            pytest.skip(reason)
    return shutil.which("chromium")
