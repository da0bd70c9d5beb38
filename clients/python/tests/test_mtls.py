"""The Python client over mutual TLS: a registered municipality's certificate appends and
reads; no client certificate is UNAUTHENTICATED."""
from __future__ import annotations

import os
import subprocess

import pytest

import booo_ledger as bl
from booo_ledger import events as ev

from conftest import LEDGERCTL, LEDGERD, serving_port


def run(*args, **kwargs) -> str:
    return subprocess.run([LEDGERCTL, *args], check=True, capture_output=True, text=True,
                          **kwargs).stdout


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("mtls")
    for name in ("ministry", "ams"):
        run("keygen", "--out", str(work / name))
    run("init", "--data-dir", str(work / "ledger"), "--root-key", str(work / "ministry.key"),
        "--origin", "test/python-mtls", "--checkpoint-key-name", "test")
    run("tls", "init-ca", "--out-dir", str(work / "ca"))
    run("tls", "server-cert", "--ca-dir", str(work / "ca"), "--host", "127.0.0.1",
        "--out-dir", str(work / "server"))
    for name in ("ministry", "ams"):
        run("tls", "client-cert", "--ca-dir", str(work / "ca"), "--key", str(work / f"{name}.key"),
            "--out", str(work / f"{name}.crt"))
    process = subprocess.Popen(
        [LEDGERD, "--data-dir", str(work / "ledger"), "--listen", "127.0.0.1:0",
         "--tls-cert", str(work / "server/server.crt"), "--tls-key", str(work / "server/server.key"),
         "--tls-client-ca", str(work / "ca/ca.crt")],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    log = open(work / "ledgerd.log", "a")
    address = f"127.0.0.1:{serving_port(process, log)}"
    env = dict(os.environ, BOOO_TRUST_STORE=str(work / "trust"))
    run("--server", address, "--tls-ca", str(work / "ca/ca.crt"), "--tls-cert",
        str(work / "ministry.crt"), "--tls-key", str(work / "ministry.key"), "register-key",
        "--signer", str(work / "ministry.key"), "--public-key", str(work / "ams.pub"),
        "--role", "municipality", "--municipality", "GM0363", env=env)
    yield work, address
    process.terminate()
    process.wait(timeout=30)


def test_a_municipality_appends_and_reads_over_mutual_tls(tls_server):
    work, address = tls_server
    ca = (work / "ca/ca.crt").read_bytes()
    with bl.LedgerClient(address, ca_certificate=ca,
                         client_certificate=(work / "ams.crt").read_bytes(),
                         client_key=(work / "ams.key").read_bytes()) as client:
        key = bl.load_signing_key(work / "ams.key")
        response = client.append(ev.poo_person_months_declared(
            "GM0363", (2023, 4), 20, 18, "2023-05-02", event_id="py-mtls-1"), key)
        store = bl.TrustStore(work / "py-trust")
        head = client.checkpoint(bl.load_verifier_key(work / "ledger/checkpoint.vkey"), store)
        client.verify_inclusion(response.receipt, head)
        assert client.get_event(event_id="py-mtls-1").sequence == response.receipt.sequence
    with bl.LedgerClient(address, ca_certificate=ca) as anonymous:
        with pytest.raises(bl.Unauthenticated):
            anonymous.get_event(event_id="py-mtls-1")
