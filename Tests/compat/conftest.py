"""A live `cjr serve` for the compatibility suite: a real server process on loopback with a
scratch data directory, shared by the tests of one session."""
import contextlib
import os
import re
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def cjr_binary() -> str:
    if os.environ.get("CJR_BIN"):
        return os.environ["CJR_BIN"]
    bin_path = subprocess.run(["swift", "build", "--show-bin-path"], cwd=ROOT, check=True,
                              capture_output=True, text=True).stdout.strip()
    return os.path.join(bin_path, "cjr")


@dataclass
class Server:
    binary: str
    data_dir: str
    endpoint: str
    token: str
    log_file: str

    def cjr(self, *args: str) -> str:
        """Runs a cjr command against this server's data directory."""
        return subprocess.run([self.binary, *args, "--data-dir", self.data_dir], check=True,
                              capture_output=True, text=True).stdout


@contextlib.contextmanager
def running_server():
    """Starts `cjr serve` on a free port with a scratch data directory; stops it after."""
    binary = cjr_binary()
    with tempfile.TemporaryDirectory(prefix="cjr-compat-") as data_dir:
        log_file = os.path.join(data_dir, "server.log")
        with open(log_file, "w") as log:
            process = subprocess.Popen([binary, "serve", "--port", "0", "--data-dir", data_dir,
                                        "--max-runs", "2", "--grace", "1"], stdout=log, stderr=log)
        try:
            port = None
            deadline = time.time() + 60
            while port is None and time.time() < deadline:
                match = re.search(r"listening on 127\.0\.0\.1:(\d+)", Path(log_file).read_text())
                if match:
                    port = int(match.group(1))
                elif process.poll() is not None:
                    raise RuntimeError("cjr serve exited:\n" + Path(log_file).read_text())
                else:
                    time.sleep(0.05)
            assert port, "cjr serve did not report its port"
            token = Path(data_dir, "api-token").read_text().strip()
            yield Server(binary, data_dir, f"http://127.0.0.1:{port}/api/v2", token, log_file)
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture(scope="session")
def server():
    with running_server() as started:
        yield started
