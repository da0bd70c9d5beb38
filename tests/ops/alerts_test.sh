#!/usr/bin/env bash
# Checks k8s/monitoring/: the alert rules, their unit tests, the PrometheusRule generated from
# them, the Grafana dashboard, and that every metric and label they name is one ledgerd exposes.
#
#   tests/ops/alerts_test.sh [--no-conditional] SCRAPE [SCRAPE...]
#
# SCRAPE: ledgerd's exposition, e.g. `curl -s http://127.0.0.1:9464/metrics > scrape.txt` from a
# ledgerd started with --metrics-listen 127.0.0.1:9464. More scrapes (a cluster primary's, a
# mirror's, one with --witness-policy or --tiles-listen) add their names. The families a fresh
# single node lacks (cluster, witnesses, tiles, those created on their first event) come from
# k8s/monitoring/conditional-metrics.prom, itself checked against services/*.cc;
# --no-conditional leaves it out, for scrapes that between them show every family.
#
# Needs promtool (Debian: prometheus) and python3 with PyYAML (python3-yaml). Prints each check;
# exits 1 if any failed, 2 on a usage or setup error. Takes a few seconds.
set -uo pipefail

usage() { echo "usage: $0 [--no-conditional] SCRAPE [SCRAPE...]" >&2; exit 2; }
conditional=1
scrapes=()
for arg in "$@"; do
  case "$arg" in
    --no-conditional) conditional=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) usage ;;
    *) scrapes+=("$arg") ;;
  esac
done
[[ ${#scrapes[@]} -ge 1 ]] || usage
for f in "${scrapes[@]}"; do
  [[ -s "$f" ]] || { echo "$0: $f: missing or empty" >&2; exit 2; }
done

root="$(cd "$(dirname "$0")/../.." && pwd)"
mon="$root/k8s/monitoring"
command -v promtool >/dev/null || { echo "$0: promtool not found (apt-get install prometheus)" >&2; exit 2; }
python3 -c 'import yaml' 2>/dev/null || { echo "$0: python3 with PyYAML needed (apt-get install python3-yaml)" >&2; exit 2; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
failed=0
# check NAME COMMAND...: runs it, prints ok/FAIL with the output of a failure.
check() {
  local name="$1"; shift
  if "$@" >"$tmp/out" 2>&1; then
    echo "ok    $name"
  else
    echo "FAIL  $name"
    sed 's/^/      /' "$tmp/out"
    failed=1
  fi
}

for f in "${scrapes[@]}"; do
  check "promtool check metrics < $f" sh -c 'promtool check metrics < "$1"' _ "$f"
done
if [[ $conditional == 1 ]]; then
  check "promtool check metrics < k8s/monitoring/conditional-metrics.prom" \
    sh -c 'promtool check metrics < "$1"' _ "$mon/conditional-metrics.prom"
fi
check "promtool check rules k8s/monitoring/alerts.yaml" promtool check rules "$mon/alerts.yaml"
check "promtool test rules k8s/monitoring/alerts_test.yaml" promtool test rules "$mon/alerts_test.yaml"
check "prometheus-rule.yaml is gen-prometheus-rule.sh's output (no drift)" \
  sh -c '"$1/gen-prometheus-rule.sh" | diff -u "$1/prometheus-rule.yaml" -' _ "$mon"
check "grafana-dashboard.json is valid JSON (python3 -m json.tool)" \
  python3 -m json.tool "$mon/grafana-dashboard.json" /dev/null

# The rest in one Python pass: it prints its own ok/FAIL lines and writes the dashboard's
# expressions as recording rules, for promtool to parse below.
conditional_file=""
[[ $conditional == 1 ]] && conditional_file="$mon/conditional-metrics.prom"
python3 - "$root" "$tmp/dashboard-rules.yaml" "$conditional_file" "${scrapes[@]}" <<'PY' || failed=1
import json, os, re, sys, yaml

root, dashboard_rules, conditional_file, scrapes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
mon = os.path.join(root, "k8s", "monitoring")
failed = False

def report(name, problems):
    global failed
    if problems:
        failed = True
        print(f"FAIL  {name}")
        for p in problems:
            print(f"      {p}")
    else:
        print(f"ok    {name}")

# ---- what ledgerd exposes: sample name -> label names; family names (from # TYPE)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"(?:[^"\\]|\\.)*"')
def read_exposition(path):
    samples, families = {}, set()
    for line in open(path, encoding="utf-8"):
        line = line.strip()
        if line.startswith("# TYPE "):
            families.add(line.split()[2])
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?', line)
        if m:
            samples.setdefault(m.group(1), set()).update(LABEL.findall(m.group(2) or ""))
    return samples, families

exposed = {}
for path in scrapes:
    s, _ = read_exposition(path)
    for k, v in s.items():
        exposed.setdefault(k, set()).update(v)
if conditional_file:
    s, families = read_exposition(conditional_file)
    for k, v in s.items():
        exposed.setdefault(k, set()).update(v)
    # Each conditional family must still be registered under that name by ledgerd.
    sources = ""
    for d, _, files in os.walk(os.path.join(root, "services")):
        for f in files:
            if f.endswith((".cc", ".h")) and not f.endswith("_test.cc"):
                sources += open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
    report("conditional-metrics.prom: each family is registered in services/*.cc",
           [f'{fam}: no "{fam}" in services/ (renamed or removed? update conditional-metrics.prom)'
            for fam in sorted(families) if f'"{fam}"' not in sources])

# ---- PromQL: the metric names and the label matchers on them
TOKEN = re.compile(r'''
   (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  |(?P<num>\.?\d[\w.]*)
  |(?P<var>\$\{[^}]*\}|\$\w+)
  |(?P<id>[a-zA-Z_:][a-zA-Z0-9_:]*)
  |(?P<p>[{}\[\]()])
  |(?P<ws>\s+)
  |(?P<op>[^\s\w{}\[\]()"'`$]+)
''', re.X)
CLAUSES = {"by", "without", "on", "ignoring", "group_left", "group_right"}
KEYWORDS = {"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan"}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count", "count_values",
                "bottomk", "topk", "quantile", "limitk", "limit_ratio"}

def parse(expr):
    """([(metric, [label names matched])] for each vector selector, [labels named in by, without,
    on, ignoring, group_left, group_right]) of a PromQL expression."""
    toks = [(k, v) for m in TOKEN.finditer(expr) for k, v in m.groupdict().items()
            if v is not None and k != "ws"]
    out, grouping, i = [], [], 0
    def skip_group(i, open_, close):  # toks[i] is open_; returns the index after its match
        depth = 0
        while i < len(toks):
            if toks[i] == ("p", open_): depth += 1
            elif toks[i] == ("p", close):
                depth -= 1
                if depth == 0: return i + 1
            i += 1
        return i
    while i < len(toks):
        kind, val = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else (None, None)
        if kind == "p" and val == "[":
            i = skip_group(i, "[", "]"); continue
        if kind == "p" and val == "{":  # a selector without a name: {__name__=...}
            i = skip_group(i, "{", "}"); continue
        if kind != "id":
            i += 1; continue
        if val in CLAUSES:
            if nxt != ("p", "("):
                i += 1; continue
            end = skip_group(i + 1, "(", ")")
            grouping += [v for k, v in toks[i + 1:end] if k == "id"]
            i = end; continue
        if val.lower() in KEYWORDS or nxt == ("p", "(") or (
                val in AGGREGATIONS and nxt[0] == "id" and nxt[1] in ("by", "without")):
            i += 1; continue
        labels, i = [], i + 1
        if nxt == ("p", "{"):
            end = skip_group(i, "{", "}")
            labels = LABEL.findall(expr_text(toks[i:end]))
            labels += re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)', expr_text(toks[i:end]))
            i = end
        out.append((val, sorted(set(labels))))
    return out, grouping

def selectors(expr):
    return parse(expr)[0]

def expr_text(toks):
    return " ".join(v for _, v in toks)

# Labels Prometheus adds to every series of a target (those a ServiceMonitor adds, too, for
# grouping: `sum by (job, namespace)`).
TARGET_LABELS = {"job", "instance"}
GROUPING_TARGET_LABELS = TARGET_LABELS | {"namespace", "pod", "service"}
def check_names(what, exprs):
    problems = []
    for where, expr in exprs:
        sels, grouping = parse(expr)
        for metric, labels in sels:
            if metric not in exposed:
                problems.append(f"{where}: {metric} is not a metric ledgerd exposes")
                continue
            for label in labels:
                if label not in exposed[metric] | TARGET_LABELS:
                    problems.append(f"{where}: {metric} has no label {label} "
                                    f"(it has: {', '.join(sorted(exposed[metric])) or 'none'})")
        known = set().union(*(exposed.get(m, set()) for m, _ in sels), GROUPING_TARGET_LABELS)
        for label in sorted(set(grouping) - known):
            problems.append(f"{where}: groups or matches by {label}, a label none of its metrics has")
    found = {m for _, e in exprs for m, _ in selectors(e)}
    report(f"{what}: every metric ({len(found)}) and label matcher is one ledgerd exposes", problems)
    return found

def guarded(name, fn):
    """Runs one group of checks; a file that cannot be read or parsed fails it, not the run."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 -- reported as the check's failure
        report(name, [f"{type(e).__name__}: {e}"])

# ---- alerts.yaml: the shape of every alert, and its names
alerts = []
def check_alerts():
    rules = [r for g in yaml.safe_load(open(os.path.join(mon, "alerts.yaml")))["groups"] for r in g["rules"]]
    alerts.extend(r for r in rules if "alert" in r)
    problems = []
    for r in alerts:
        a = r["alert"]
        if not re.fullmatch(r"Booo[A-Z][A-Za-z0-9]+", a): problems.append(f"{a}: name is not BoooCamelCase")
        if "for" not in r: problems.append(f"{a}: no for:")
        labels = r.get("labels", {})
        if labels.get("severity") not in ("critical", "warning"):
            problems.append(f"{a}: severity is {labels.get('severity')!r}, not critical or warning")
        if labels.get("component") not in ("log", "api", "storage", "access-log", "cluster", "witness"):
            problems.append(f"{a}: component is {labels.get('component')!r}")
        ann = r.get("annotations", {})
        if not ann.get("summary"): problems.append(f"{a}: no summary")
        if "What to do" not in ann.get("description", ""): problems.append(f"{a}: description has no 'What to do'")
    report(f"alerts.yaml: {len(alerts)} alerts have for, severity, component, summary and a runbook line", problems)
    check_names("alerts.yaml", [(r["alert"], r["expr"]) for r in alerts])
guarded("alerts.yaml: the alerts' shape and names", check_alerts)

# ---- alerts_test.yaml covers every alert: once firing, once silent
def check_tests():
    fires, silent = set(), set()
    for t in yaml.safe_load(open(os.path.join(mon, "alerts_test.yaml")))["tests"]:
        for a in t.get("alert_rule_test", []):
            (fires if a.get("exp_alerts") else silent).add(a["alertname"])
    names = sorted({r["alert"] for r in alerts})
    report("alerts_test.yaml: every alert has a case where it fires and one where it must not",
           [f"{a}: no case where it fires" for a in names if a not in fires] +
           [f"{a}: no case where it must stay silent" for a in names if a not in silent] +
           [f"{a}: tested but not in alerts.yaml" for a in sorted((fires | silent) - set(names))])
guarded("alerts_test.yaml: every alert tested", check_tests)

# ---- prometheus-rule.yaml says what alerts.yaml says
def check_prometheus_rule():
    pr = yaml.safe_load(open(os.path.join(mon, "prometheus-rule.yaml")))
    ok = (pr.get("apiVersion") == "monitoring.coreos.com/v1" and pr.get("kind") == "PrometheusRule"
          and pr.get("metadata", {}).get("name")
          and pr.get("spec") == yaml.safe_load(open(os.path.join(mon, "alerts.yaml"))))
    report("prometheus-rule.yaml: a PrometheusRule whose spec equals alerts.yaml",
           [] if ok else ["apiVersion/kind/metadata.name wrong, or spec differs from alerts.yaml"])
guarded("prometheus-rule.yaml: a PrometheusRule whose spec equals alerts.yaml", check_prometheus_rule)

# ---- the dashboard
def grafana_to_promql(e):
    """A dashboard expression as PromQL promtool can parse: Grafana's variables replaced."""
    e = re.sub(r"\$__rate_interval|\$\{__rate_interval\}|\$__interval|\$\{__interval\}", "5m", e)
    e = re.sub(r"\$__range|\$\{__range\}", "1h", e)
    return re.sub(r"\$\{\w+(:\w+)?\}|\$\w+", ".*", e)

def check_dashboard():
    dash = json.load(open(os.path.join(mon, "grafana-dashboard.json")))
    problems = []
    if dash.get("schemaVersion", 0) < 36: problems.append(f"schemaVersion {dash.get('schemaVersion')} < 36")
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        problems.append("no `datasource` variable of type datasource over prometheus")
    if variables.get("instance", {}).get("type") != "query": problems.append("no `instance` query variable")
    panels = []
    def walk(ps):
        for p in ps:
            panels.append(p)
            walk(p.get("panels", []))
    walk(dash.get("panels", []))
    ids = [p.get("id") for p in panels]
    if len(ids) != len(set(ids)): problems.append("panel ids are not unique")
    exprs = []
    for p in panels:
        title = p.get("title")
        for t in p.get("targets", []):
            if (t.get("datasource") or p.get("datasource") or {}).get("uid") != "${datasource}":
                problems.append(f"panel {title!r}: datasource is not ${{datasource}}")
            if not t.get("expr"): problems.append(f"panel {title!r}: a target without expr")
            else: exprs.append((f"panel {title!r}", t["expr"]))
        g = p.get("gridPos", {})
        if g.get("x", 0) + g.get("w", 0) > 24: problems.append(f"panel {title!r} is wider than the grid")
        if p.get("targets") and "$instance" not in json.dumps(p["targets"]):
            problems.append(f"panel {title!r} ignores $instance")
    queries = []
    for name, v in variables.items():
        if v.get("type") != "query": continue
        q = v.get("query")
        q = q.get("query", "") if isinstance(q, dict) else q
        m = re.fullmatch(r"\s*label_values\((.*),\s*([a-zA-Z_]\w*)\)\s*", q or "")
        if not m:
            problems.append(f"variable {name}: not label_values(<selector>, <label>)"); continue
        queries.append((f"variable {name}", m.group(1)))
        for metric, _ in selectors(m.group(1)):
            if metric in exposed and m.group(2) not in exposed[metric] | TARGET_LABELS:
                problems.append(f"variable {name}: {metric} has no label {m.group(2)}")
    report(f"grafana-dashboard.json: {len(panels)} panels, ${{datasource}} and $instance variables, layout", problems)
    check_names("grafana-dashboard.json", exprs + queries)
    # For promtool (below): every expression as a recording rule.
    with open(dashboard_rules, "w") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": [
            {"record": f"dashboard:expr_{i}", "expr": grafana_to_promql(e)}
            for i, (_, e) in enumerate(exprs + queries)]}]}, f)
guarded("grafana-dashboard.json: structure and names", check_dashboard)

sys.exit(1 if failed else 0)
PY
if [[ -s "$tmp/dashboard-rules.yaml" ]]; then
  check "grafana-dashboard.json: every expression parses (promtool check rules)" \
    promtool check rules "$tmp/dashboard-rules.yaml"
fi

if [[ $failed != 0 ]]; then
  echo "alerts_test: FAILED"
  exit 1
fi
echo "alerts_test: all checks passed"
