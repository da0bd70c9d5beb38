#!/usr/bin/env python3
"""Example 2: the ministry's tool writes every municipality's balance for a year, as known on a
date, to CSV.

Amounts are exact: integer cents from the ledger, written as euros with two decimals by
integer arithmetic. Against the demo server:

    balances_csv.py --server 127.0.0.1:50551 --year 2023 --known-on 2024-12-31 --out balances.csv
"""
from __future__ import annotations

import argparse
import csv
import sys

import booo_ledger as bl
from booo.v1 import grants_service_pb2

HEADER = ["municipality_code", "spending_year", "computed_grant_eur", "determined",
          "determined_grant_eur", "advances_eur", "repayments_eur", "balance_eur", "direction",
          "vat_fund_contribution_eur", "flags"]


def euros(cents: int) -> str:
    """-1234 -> "-12.34": the integer's digits, never a float."""
    sign = "-" if cents < 0 else ""
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{whole}.{part:02d}"


def direction(value: int) -> str:
    return grants_service_pb2.BalanceDirection.Name(value).removeprefix(
        "BALANCE_DIRECTION_").lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", required=True, help="ledgerd's HOST:PORT")
    parser.add_argument("--year", required=True, type=int, help="the spending year")
    parser.add_argument("--known-on", required=True, help="YYYY-MM-DD: the business date")
    parser.add_argument("--out", required=True, help="the CSV file to write")
    args = parser.parse_args()

    with bl.LedgerClient(args.server) as client:
        answer = client.balances(args.year, known_on=args.known_on)
    with open(args.out, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        for row in answer.rows:
            writer.writerow([row.municipality_code, row.spending_year,
                             euros(row.computed_grant_cents), str(row.determined).lower(),
                             euros(row.determined_grant_cents), euros(row.advances_cents),
                             euros(row.repayments_cents), euros(row.balance_cents),
                             direction(row.direction), euros(row.vat_fund_contribution_cents),
                             row.flags])
    print(f"wrote {len(answer.rows)} rows as known on {args.known_on} (tree size "
          f"{answer.tree_size}) to {args.out}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except bl.LedgerError as error:
        print(f"balances_csv: {error}", file=sys.stderr)
        sys.exit(1)
