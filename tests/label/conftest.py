"""A real Label Studio server for the label tests, started once per session.

The server is `label-studio==1.23.2` in its own venv (`.ci/label-studio-env`), found through
`GLOVEGO_LABEL_STUDIO` or `<repo>/.venv-label-studio/bin/label-studio`. Under `CI=true` a missing
or non-starting server fails the tests; elsewhere they are skipped with the command that builds it.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BUILD_HINT = "build it with: .ci/label-studio-env (or set GLOVEGO_LABEL_STUDIO to a label-studio binary)"
START_TIMEOUT_S = 240.0
USERNAME, PASSWORD = "tests@glovego.local", "glovego-tests-pw"
TOKEN = "0123456789abcdef0123456789abcdef01234567"


def require_or_skip(reason: str) -> None:
    """The one rule for a missing external tool: fail under CI=true, skip elsewhere."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: this test may not be skipped); {BUILD_HINT}")
    pytest.skip(f"{reason}; {BUILD_HINT}")


def label_studio_binary() -> Path | None:
    given = os.environ.get("GLOVEGO_LABEL_STUDIO")
    path = Path(given) if given else REPO / ".venv-label-studio" / "bin" / "label-studio"
    return path if path.is_file() else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _answers(url: str) -> bool:
    request = urllib.request.Request(f"{url}/api/projects", headers={"Authorization": f"Token {TOKEN}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@dataclass(frozen=True)
class LabelStudioServer:
    url: str
    token: str
    username: str
    password: str
    document_root: Path


@pytest.fixture(scope="session")
def label_studio(tmp_path_factory: pytest.TempPathFactory):
    if importlib.util.find_spec("label_studio_sdk") is None:
        require_or_skip("the Label Studio client is not installed (pip install 'glovego[label]')")
    binary = label_studio_binary()
    if binary is None:
        require_or_skip("Label Studio is not installed")
    base = tmp_path_factory.mktemp("label_studio")
    data, root = base / "data", base / "files"
    data.mkdir()
    root.mkdir()
    port = _free_port()
    env = {**os.environ, "LABEL_STUDIO_USERNAME": USERNAME, "LABEL_STUDIO_PASSWORD": PASSWORD,
           "LABEL_STUDIO_USER_TOKEN": TOKEN, "LABEL_STUDIO_ENABLE_LEGACY_API_TOKEN": "true",
           "LABEL_STUDIO_BASE_DATA_DIR": str(data), "LABEL_STUDIO_LOCAL_FILES_SERVING_ENABLED": "true",
           "LABEL_STUDIO_LOCAL_FILES_DOCUMENT_ROOT": str(root), "SENTRY_DSN": "", "FRONTEND_SENTRY_DSN": "",
           "COLLECT_ANALYTICS": "false"}
    log = (base / "server.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "start", "--no-browser", "--internal-host", "127.0.0.1", "--port", str(port),
         "--data-dir", str(data), "--username", USERNAME, "--password", PASSWORD, "--user-token", TOKEN],
        env=env, stdout=log, stderr=subprocess.STDOUT, cwd=base)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        while not _answers(url):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = (base / "server.log").read_text(errors="replace")[-2000:]
                require_or_skip(f"Label Studio did not start (exit {process.poll()}); its log ends:\n{tail}")
            time.sleep(1.0)
        yield LabelStudioServer(url=url, token=TOKEN, username=USERNAME, password=PASSWORD, document_root=root)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
