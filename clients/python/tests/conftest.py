"""A real ledgerd for the tests: a fresh ledger made with ledgerctl, served on a port the
kernel picks (`--listen 127.0.0.1:0`; ledgerd names it in its "ledgerd serving" log line)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest

LEDGERD = os.environ.get("LEDGERD", "ledgerd")
LEDGERCTL = os.environ.get("LEDGERCTL", "ledgerctl")


def serving_port(process: subprocess.Popen, log) -> int:
    """The port from the JSON line ledgerd logs once it serves; the rest of its log is then
    copied to `log` by a thread, so that a full pipe never stalls ledgerd."""
    for line in process.stderr:
        log.write(line)
        try:
            entry = json.loads(line)
        except ValueError:
            continue  # not one of ledgerd's JSON lines (a sanitizer's, say)
        if entry.get("msg") == "ledgerd serving":
            threading.Thread(target=lambda: log.writelines(process.stderr), daemon=True).start()
            return entry["port"]
    raise RuntimeError("ledgerd stopped before it served")


class Server:
    def __init__(self, work: Path):
        self.work = work
        self.data = work / "ledger"
        self.process = None
        self.port = 0

    def ctl(self, *args: str) -> str:
        env = dict(os.environ, BOOO_TRUST_STORE=str(self.work / "ctl-trust"))
        return subprocess.run([LEDGERCTL, "--server", self.address, *args], check=True,
                              capture_output=True, text=True, env=env).stdout

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, port: int = 0) -> None:
        log = open(self.work / "ledgerd.log", "a")
        self.process = subprocess.Popen(
            [LEDGERD, "--data-dir", str(self.data), "--listen", f"127.0.0.1:{port}",
             "--plaintext-for-development", "--max-requests-per-second", "0"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.port = serving_port(self.process, log)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    work = tmp_path_factory.mktemp("ledger")
    s = Server(work)
    for name in ("ministry", "ams", "utr"):
        subprocess.run([LEDGERCTL, "keygen", "--out", str(work / name)], check=True,
                       capture_output=True)
    subprocess.run([LEDGERCTL, "init", "--data-dir", str(s.data), "--root-key",
                    str(work / "ministry.key"), "--origin", "test/python",
                    "--checkpoint-key-name", "test"], check=True, capture_output=True)
    s.start()
    s.ctl("register-key", "--signer", str(work / "ministry.key"), "--public-key",
          str(work / "ams.pub"), "--role", "municipality", "--municipality", "GM0363")
    s.ctl("register-key", "--signer", str(work / "ministry.key"), "--public-key",
          str(work / "utr.pub"), "--role", "municipality", "--municipality", "GM0344")
    rulebook = Path(os.environ["BOOO_SOURCE_DIR"]) / "replay/rulebook/booo-2022-2025.json"
    s.ctl("load-rules", "--key", str(work / "ministry.key"), "--rulebook", str(rulebook))
    controls = rulebook.with_name("controls-2022-2025.json")  # the signals' thresholds
    s.ctl("load-rules", "--key", str(work / "ministry.key"), "--rulebook", str(controls))
    yield s
    s.stop()


@pytest.fixture()
def client(server):
    import booo_ledger as bl
    with bl.LedgerClient(server.address) as c:
        yield c
