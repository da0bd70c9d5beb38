"""The three examples, run as a user runs them, against the test's ledgerd: a month as one
batch with inclusion proved against a kept checkpoint (and a rerun that changes nothing), every
balance as known on a date to CSV, and an auditor following the log live."""
from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import booo_ledger as bl

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def run(name: str, *args: str) -> str:
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *args], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def month_batch(server, tmp_path, month: str, receipts: Path) -> str:
    return run("month_batch.py", "--server", server.address, "--key",
               str(server.work / "ams.key"), "--verifier-key", str(server.data / "checkpoint.vkey"),
               "--trust-dir", str(tmp_path / "trust-muni"), "--municipality", "GM0363",
               "--location", "AMS-EX-1", "--month", month, "--places", "75",
               "--receipts", str(receipts))


def test_month_batch_then_a_rerun_that_changes_nothing(server, tmp_path):
    first = month_batch(server, tmp_path, "2024-02", tmp_path / "r1.json")  # a leap February
    assert first.startswith("appended 29 events (0 duplicates)"), first
    again = month_batch(server, tmp_path, "2024-02", tmp_path / "r2.json")
    assert again.startswith("appended 29 events (29 duplicates)"), again
    one, two = (json.loads((tmp_path / f).read_text()) for f in ("r1.json", "r2.json"))
    assert [r["sequence"] for r in one["receipts"]] == [r["sequence"] for r in two["receipts"]]
    assert one["receipts"][-1]["event_id"] == "GM0363-AMS-EX-1-goo-2024-02-29"


def test_balances_to_csv_as_known_on_a_date(server, client, tmp_path):
    ministry = bl.load_signing_key(server.work / "ministry.key")
    from booo_ledger import events as ev
    client.append(ev.advance_paid("GM0344", 2025, 123_456_78, "2025-02-03", "EX-CSV",
                                  event_id="py-ex-csv-advance"), ministry)
    out = tmp_path / "balances.csv"
    said = run("balances_csv.py", "--server", server.address, "--year", "2025",
               "--known-on", "2025-12-31", "--out", str(out))
    rows = list(csv.DictReader(out.open()))
    assert said.startswith(f"wrote {len(rows)} rows as known on 2025-12-31")
    utrecht = next(r for r in rows if r["municipality_code"] == "GM0344")
    assert utrecht["advances_eur"] == "123456.78"
    assert utrecht["direction"] in ("to_reclaim", "settled", "to_pay")
    # Known on a day before the payment: the advance is not there yet.
    run("balances_csv.py", "--server", server.address, "--year", "2025", "--known-on",
        "2025-02-02", "--out", str(out))
    assert all(r["advances_eur"] != "123456.78" for r in csv.DictReader(out.open()))


def test_an_auditor_follows_the_log_live(server, client, tmp_path):
    vkey = str(server.data / "checkpoint.vkey")
    start = client.checkpoint(bl.load_verifier_key(vkey), bl.TrustStore(tmp_path / "probe"))
    auditor = subprocess.Popen(
        [sys.executable, str(EXAMPLES / "audit_follow.py"), "--server", server.address,
         "--verifier-key", vkey, "--trust-dir", str(tmp_path / "trust-auditor"), "--origin",
         "test/python", "--until-size", str(start.tree_size + 30), "--max-seconds", "90"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert auditor.stdout.readline().startswith("following from checkpoint")
    month_batch(server, tmp_path, "2024-04", tmp_path / "r.json")  # 30 events, one commit
    out, err = auditor.communicate(timeout=120)
    assert auditor.returncode == 0, err
    lines = out.strip().splitlines()
    assert lines[-1] == (f"checkpoint {start.tree_size + 30} verified: consistent with "
                         f"{start.tree_size}, 30 new events included"), out
