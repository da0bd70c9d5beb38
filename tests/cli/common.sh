# Shared by the CLI end-to-end scripts (sourced after `LEDGERD` and `CTL` are set): a scratch
# directory removed on exit with any server still running, a free loopback port, and helpers.
here="$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)"
EVENTS="$here/../../tools/demo/events"
WORK="$(mktemp -d)"
# ledgerctl pins keys and checkpoints per origin: each run has a trust store of its own.
export BOOO_TRUST_STORE="$WORK/trust"
PID=""
cleanup() { [ -n "$PID" ] && kill -9 "$PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# has ARGS...: grep's answer for its whole standard input. Unlike `grep -q`, it reads to the end:
# under pipefail, a producer cut off by grep -q's early exit would fail the pipeline (SIGPIPE).
has() { grep "$@" >/dev/null; }
# A free port: let the kernel choose, then reuse it.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
ADDR="127.0.0.1:$PORT"
ctl() { "$CTL" --server "$ADDR" "$@"; }
# append KEY EVENT...: demo events signed with $WORK/KEY.key.
append() { local key="$1"; shift; for f in "$@"; do
  ctl append --key "$WORK/$key.key" --event "$EVENTS/$f.json" >/dev/null; done; }
# start_ledgerd [FLAG...]: serve $WORK/ledger on $ADDR (with the flags given) and wait until it
# answers.
start_ledgerd() {
  "$LEDGERD" --data-dir "$WORK/ledger" --listen "$ADDR" --plaintext-for-development "$@" \
    2>"$WORK/ledgerd.log" &
  PID=$!
  for _ in $(seq 1 100); do ctl checkpoint >/dev/null 2>&1 && break; sleep 0.1; done
}
# Over mutual TLS, with the development CA in $WORK/ca (`ledgerctl tls init-ca`):
# as PARTY ARGS...: ledgerctl over mutual TLS with PARTY's certificate and ledger key.
as() { local who="$1"; shift
  "$CTL" --server "$ADDR" --tls-ca "$WORK/ca/ca.crt" --tls-cert "$WORK/$who.crt" \
    --tls-key "$WORK/$who.key" "$@"; }
# refused CODE TEXT CMD...: CMD fails with gRPC status CODE and a message holding TEXT.
refused() { local code="$1" text="$2"; shift 2; local out
  if out=$("$@" 2>&1); then fail "accepted: $* -> $out"; fi
  has "$code: .*$text" <<<"$out" || fail "expected $code ($text), got: $out"; }
# append_made_up_determination: GM0363's 2022 determination again (event det-2022-wrong,
# superseding det-2022), signed by $WORK/ministry.key, with an amount and a trace digest that do
# not follow from the ledger: its settlement replays to MISMATCH.
append_made_up_determination() {
  cat >"$WORK/bad-determination.json" <<'JSON'
{"event_id": "det-2022-wrong", "supersedes_event_id": "det-2022",
 "grant_determined": {"municipality_code": "GM0363", "spending_year": 2022,
  "amount_cents": "400000000", "trace_digest": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
  "decision_date": {"year": 2023, "month": 12, "day": 1}, "decision_reference": "NOO/VS/X"}}
JSON
  ctl append --key "$WORK/ministry.key" --event "$WORK/bad-determination.json" >/dev/null
}
# append_amsterdam_2022: the demo's 2022 story of GM0363 (declarations, advances, the transition
# requests and decisions, a correction, the exception claim, the accountability report and the
# ministry's decisions on them), signed with $WORK/ams.key and $WORK/ministry.key.
append_amsterdam_2022() {
  append ams 10-ams-goo-2022-h1 11-ams-goo-2022-h2 12-ams-poo-2022-06 13-ams-poo-2022-10 \
    14-ams-leefgeld-poo-2022-10 15-ams-transition-request-office 16-ams-transition-request-hotel
  append ministry 30-min-advance-2022-1 31-min-advance-2022-2 32-min-transition-approved \
    33-min-transition-rejected
  append ams 20-ams-goo-2022-h2-correction 21-ams-exception-claim-2022 22-ams-accountability-2022
  append ministry 34-min-exception-decision 35-min-hardship
}
