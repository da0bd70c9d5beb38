// Validates k8s/ offline (run by tests/ops/validate_manifests.sh): renders k8s/base and every
// overlay with render.js (and with `kubectl kustomize` too when a kubectl is installed, which must
// give the same objects), then checks every object against the Kubernetes schemas
// (kubernetes-models), for misspelt fields (TypeScript over the same models), and against the
// project's own rules (rules.js). k8s/cluster/*.yaml and the Secret templates are checked as files.
//
//   node validate.js [--root REPO] [--self-test]
//
// --self-test: breaks the manifests in memory in many ways (a misspelt field, a wrong type, an
// unknown kind, a container not hardened, a probe on the wrong port, ...) and passes only if every
// one of them is rejected, and the manifests as they are pass.
"use strict";

const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { render, RenderError, parseYamlDocuments, objectId, deepEqual } = require("./render");
const { validateObject, strictFields } = require("./schema");
const rules = require("./rules");

if (Number(process.versions.node.split(".")[0]) < 18) {
  console.error(`validate_manifests: Node.js 18 or newer is needed, this is ${process.version}`);
  process.exit(1);
}

// ---- what is checked -------------------------------------------------------------------------------

function findKustomizations(dir, out = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory() && entry.name !== "node_modules") findKustomizations(path.join(dir, entry.name), out);
    else if (/^(kustomization\.ya?ml|Kustomization)$/.test(entry.name)) out.push(dir);
  }
  return out.sort();
}

// Each set: a name, a profile (which rules apply), its objects (or the error that stopped loading).
function loadSets(root) {
  const k8s = path.join(root, "k8s");
  const sets = [];
  for (const dir of findKustomizations(k8s)) {
    const rel = path.relative(k8s, dir);
    let profile = "other";
    let tls;
    if (rel === "base") { profile = "single"; tls = true; }
    else if (rel.startsWith(`overlays${path.sep}`)) { profile = "single"; tls = path.basename(rel) !== "development"; }
    const set = { name: `k8s/${rel}`, kind: "kustomize", dir, profile, tls, env: rel.startsWith("overlays") ? path.basename(rel) : rel };
    try {
      set.objects = render(dir);
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      set.error = e.message;
    }
    sets.push(set);
  }
  const files = [
    { file: "k8s/cluster/ledgerd-cluster.yaml", profile: "cluster", tls: true },
    { file: "k8s/cluster/etcd.yaml", profile: "foreign" },
    { file: "k8s/base/secrets.template.yaml", profile: "secrets" },
  ];
  const listed = new Set(files.map((f) => f.file));
  for (const name of fs.existsSync(path.join(k8s, "cluster")) ? fs.readdirSync(path.join(k8s, "cluster")) : []) {
    if (/\.ya?ml$/.test(name) && !listed.has(`k8s/cluster/${name}`)) files.push({ file: `k8s/cluster/${name}`, profile: "other" });
  }
  for (const f of files) {
    const full = path.join(root, f.file);
    const set = { name: f.file, kind: "file", file: full, profile: f.profile, tls: f.tls };
    if (!fs.existsSync(full)) set.error = "missing";
    else {
      set.text = fs.readFileSync(full, "utf8");
      try {
        set.objects = parseYamlDocuments(full, set.text);
      } catch (e) {
        if (!(e instanceof RenderError)) throw e;
        set.error = e.message;
      }
    }
    sets.push(set);
  }
  return sets;
}

// Secret name -> documented keys, from the template (and the Secrets etcd.yaml makes, names only).
function documentedSecrets(sets) {
  const out = new Map();
  for (const set of sets) {
    if (!set.objects || (set.profile !== "secrets" && set.name !== "k8s/cluster/etcd.yaml")) continue;
    for (const o of set.objects) if (o.kind === "Secret") out.set(o.metadata.name, Object.keys({ ...(o.stringData || {}), ...(o.data || {}) }));
  }
  return out;
}

// ---- checks ----------------------------------------------------------------------------------------

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

function namesAndLabels(objects) {
  const problems = [];
  const seen = new Set();
  for (const o of objects) {
    const id = objectId(o);
    if (seen.has(id)) problems.push(`${id} appears twice`);
    seen.add(id);
    const n = o.metadata.name;
    if (!DNS_SUBDOMAIN.test(n) || n.length > 253) problems.push(`${o.kind}/${n}: not a DNS subdomain name`);
    if (o.kind === "Service" && !/^[a-z]([-a-z0-9]*[a-z0-9])?$/.test(n)) problems.push(`${o.kind}/${n}: a Service name is a DNS label starting with a letter`);
    const labelSets = [o.metadata.labels];
    const t = rules.podTemplate(o);
    if (t && t !== o && t.metadata) labelSets.push(t.metadata.labels);
    for (const labels of labelSets) {
      for (const [k, v] of Object.entries(labels || {})) {
        const [prefix, key] = k.includes("/") ? k.split("/", 2) : [null, k];
        if ((prefix !== null && (!DNS_SUBDOMAIN.test(prefix) || prefix.length > 253)) || !LABEL_NAME.test(key) || key.length > 63) problems.push(`${o.kind}/${n}: label key ${k} is malformed`);
        if (typeof v !== "string" || (v !== "" && (!LABEL_NAME.test(v) || v.length > 63))) problems.push(`${o.kind}/${n}: label ${k}=${JSON.stringify(v)} is not a label value`);
      }
    }
  }
  return problems;
}

let kubectlState; // undefined: not asked yet; null: none; else its kustomize version
function kubectlKustomize() {
  if (kubectlState !== undefined) return kubectlState;
  kubectlState = null;
  if (process.env.BOOO_MANIFESTS_NO_KUBECTL) return kubectlState;
  try {
    const out = execFileSync("kubectl", ["version", "--client"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], timeout: 20000 });
    const m = /Kustomize Version: (\S+)/.exec(out);
    if (m) kubectlState = m[1];
  } catch (e) {
    kubectlState = null;
  }
  return kubectlState;
}

function sameAsKubectl(set) {
  let out;
  try {
    out = execFileSync("kubectl", ["kustomize", set.dir], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 60000 });
  } catch (e) {
    return [`kubectl kustomize fails: ${String(e.stderr || e.message).trim().split("\n")[0]}`];
  }
  const theirs = new Map(parseYamlDocuments("kubectl kustomize", out).map((o) => [objectId(o), o]));
  const ours = new Map(set.objects.map((o) => [objectId(o), JSON.parse(JSON.stringify(o))]));
  const problems = [];
  for (const [id, o] of ours) {
    if (!theirs.has(id)) problems.push(`${id}: kubectl kustomize does not render it`);
    else if (!deepEqual(o, theirs.get(id))) problems.push(`${id}: rendered differently by kubectl kustomize`);
  }
  for (const id of theirs.keys()) if (!ours.has(id)) problems.push(`${id}: rendered by kubectl kustomize only`);
  return problems;
}

// The checks of one set, as [{name, problems}] (and notes: worth saying, not failures).
function checkSet(set, ctx) {
  const results = [];
  const add = (name, fn) => {
    let problems;
    try {
      problems = fn();
    } catch (e) {
      problems = [`the check itself failed: ${e.stack || e}`];
    }
    results.push({ name, problems });
  };
  const notes = [];
  if (set.error !== undefined) {
    add(set.kind === "kustomize" ? "kustomization format and render" : "YAML", () => [set.error]);
    return { results, notes };
  }
  const objects = set.objects;
  if (set.kind === "kustomize") {
    add("kustomization format (kustomize.config.k8s.io/v1beta1 Kustomization) and render", () => (objects.length > 0 ? [] : ["renders no object"]));
    if (ctx.kubectl) add(`same objects as kubectl kustomize (kustomize ${ctx.kubectl})`, () => sameAsKubectl(set));
  }
  add(`schema (kubernetes-models) of ${objects.length} objects`, () => objects.flatMap((o) => validateObject(o).map((p) => `${o.kind}/${o.metadata.name}: ${p}`)));
  add("no misspelt or mistyped field (TypeScript over the models)", () => objects.flatMap((o) => (ctx.strict.get(JSON.stringify(o)) || []).map((p) => `${o.kind}/${o.metadata.name}: ${p}`)));
  add("names and labels", () => namesAndLabels(objects));
  if (set.profile === "secrets") {
    add("Secret templates hold placeholders only", () => rules.secretsTemplate(objects, set.text));
    add("no kustomization renders the Secret templates", () => ctx.sets.filter((s) => s.kind === "kustomize" && s.objects && s.objects.some((o) => o.kind === "Secret")).map((s) => `${s.name} renders a Secret`));
  }
  if (set.profile === "foreign") {
    const loose = objects.filter((o) => rules.podTemplate(o) && rules.hardenedSecurityContext([o]).length > 0);
    if (loose.length > 0) notes.push(`not hardened (not this check's file): ${loose.map((o) => `${o.kind}/${o.metadata.name}`).join(", ")}`);
  }
  if (set.profile === "single" || set.profile === "cluster") {
    add("hardened securityContext (pod and every container)", () => rules.hardenedSecurityContext(objects));
    add("writable /tmp emptyDir under the read-only root filesystem", () => rules.writableTmp(objects));
    add("resources: requests (cpu, memory) and memory limits", () => rules.resourcesSet(objects));
    add("volumes, mounts, selectors and port names fit together", () => rules.podWiring(objects));
    add("ledgerd ports, the flags opening them, gRPC probes on the health port", () => rules.ledgerdPortsAndProbes(objects));
    add("ledgerd's files on mounted volumes, its data on the persistent one", () => rules.ledgerdFiles(objects));
    add(set.tls ? "mutual TLS from Secret ledgerd-tls" : "plaintext for development, no TLS Secret", () => rules.ledgerdTransport(objects, set.tls));
    add("Services reach container ports", () => rules.servicesResolve(objects));
    add("the tiles port is exposed by a Service", () => rules.tilesExposed(objects));
    add("gRPC and metrics are exposed by Services", () => rules.grpcAndMetricsExposed(objects));
    add("PodDisruptionBudget selects the pods", () => rules.disruptionBudget(objects));
    add("ConfigMap references resolve", () => rules.configMapsResolve(objects));
    add("Secrets: none rendered; each one read is documented in secrets.template.yaml", () => rules.secretsDocumented(objects, ctx.secrets, set.profile === "single"));
  }
  if (set.profile === "single") {
    add("single writer; genesis runs `ledgerctl init` only once; root key only in genesis", () => rules.singleWriterGenesis(objects));
    add("NetworkPolicy: gRPC from client namespaces, tiles public, metrics from monitoring", () => rules.networkPolicy(objects));
    add("ServiceMonitor reaches the metrics port", () => rules.serviceMonitorResolves(objects));
    if (set.env === "production") add("images pinned to a release", () => rules.pinnedImages(objects));
    if (set.env === "development") add("the genesis origin is set", () => rules.genesisOrigin(objects));
    if (set.env === "production" && rules.genesisOrigin(objects).length > 0) notes.push("the genesis origin is empty: set it in overlays/production/genesis.yaml before the first start");
    if (set.env === "production" && rules.pinnedImages(objects).length === 0 && /set-at-release/.test(JSON.stringify(objects))) notes.push("the image tag is the placeholder set-at-release: set images[].newTag at deploy time");
  }
  return { results, notes };
}

function summarise(set) {
  if (!set.objects) return "";
  const counts = new Map();
  for (const o of set.objects) counts.set(o.kind, (counts.get(o.kind) || 0) + 1);
  return [...counts].map(([k, n]) => (n > 1 ? `${n} ${k}` : k)).join(", ");
}

function validate(root) {
  const started = Date.now();
  const sets = loadSets(root);
  const required = ["k8s/base", "k8s/overlays/development", "k8s/overlays/production"];
  const ctx = {
    sets,
    secrets: documentedSecrets(sets),
    strict: strictFields(sets.flatMap((s) => s.objects || [])),
    kubectl: kubectlKustomize(),
  };
  const versions = ["kubernetes-models", "@kubernetes-models/prometheus-operator", "typescript", "yaml"]
    .map((p) => `${p} ${require(`${p}/package.json`).version}`).join(", ");
  console.log(`validate_manifests: ${root}/k8s, rendered by tests/ops/manifests/render.js; ${versions}`);
  console.log(ctx.kubectl ? `validate_manifests: cross-checked with kubectl kustomize (kustomize ${ctx.kubectl})` : "validate_manifests: no kubectl with kustomize here: the cross-check with kubectl kustomize is skipped");
  let passed = 0;
  let failed = 0;
  for (const name of required) {
    if (!sets.some((s) => s.name === name)) { console.log(`FAIL  ${name}: no kustomization`); failed++; }
  }
  for (const set of sets) {
    const { results, notes } = checkSet(set, ctx);
    console.log(`${set.name} (${set.kind === "kustomize" ? "kustomization" : "file"}${set.objects ? `: ${summarise(set)}` : ""})`);
    for (const r of results) {
      if (r.problems.length === 0) { passed++; console.log(`  ok    ${r.name}`); continue; }
      failed++;
      console.log(`  FAIL  ${r.name}`);
      for (const p of r.problems) console.log(`          ${p}`);
    }
    for (const n of notes) console.log(`  note  ${n}`);
  }
  console.log(`validate_manifests: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`manifests: ${passed} passed, ${failed} failed`);
  return failed === 0;
}

// ---- self-test ---------------------------------------------------------------------------------------

const clone = (v) => JSON.parse(JSON.stringify(v));
const find = (set, kind, name) => set.objects.find((o) => o.kind === kind && o.metadata.name === name);
const ledgerd = (set) => find(set, "StatefulSet", "ledgerd").spec.template.spec.containers.find((c) => c.name === "ledgerd");

// Each breaks one set (a copy) and names the message that must reject it.
const BREAKAGES = [
  { what: "a misspelt field (terminationGracePeriodSecond)", set: "k8s/overlays/production", expect: /terminationGracePeriodSecond.*does not exist in type/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.template.spec.terminationGracePeriodSecond = 30; } },
  { what: "a misspelt probe (readinesProbe)", set: "k8s/overlays/production", expect: /readinesProbe.*does not exist in type 'IContainer'/,
    apply: (s) => { const c = ledgerd(s); c.readinesProbe = c.readinessProbe; delete c.readinessProbe; } },
  { what: "a wrong type (replicas: \"1\")", set: "k8s/overlays/production", expect: /replicas must be integer/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.replicas = "1"; } },
  { what: "a malformed quantity (8 GiB)", set: "k8s/overlays/production", expect: /memory must match format "quantity"/,
    apply: (s) => { ledgerd(s).resources.limits.memory = "8 GiB"; } },
  { what: "an unknown kind (StatefulSets)", set: "k8s/base", expect: /unknown apiVersion\/kind apps\/v1\/StatefulSets/,
    apply: (s) => { s.objects.push({ ...clone(find(s, "StatefulSet", "ledgerd")), kind: "StatefulSets" }); } },
  { what: "a container with a writable root filesystem", set: "k8s/overlays/development", expect: /container genesis: securityContext.readOnlyRootFilesystem is not true/,
    apply: (s) => { delete find(s, "StatefulSet", "ledgerd").spec.template.spec.initContainers[0].securityContext.readOnlyRootFilesystem; } },
  { what: "capabilities not dropped", set: "k8s/cluster/ledgerd-cluster.yaml", expect: /container role-label: securityContext.capabilities.drop does not hold ALL/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.template.spec.containers[1].securityContext.capabilities = {}; } },
  { what: "a pod running as root", set: "k8s/base", expect: /runAsNonRoot is false/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.template.spec.securityContext.runAsNonRoot = false; } },
  { what: "no memory limit", set: "k8s/base", expect: /container ledgerd: no resources.limits.memory/,
    apply: (s) => { delete ledgerd(s).resources.limits; } },
  { what: "the liveness probe on the gRPC port", set: "k8s/overlays/production", expect: /livenessProbe probes port 50051, not the health port 8081/,
    apply: (s) => { ledgerd(s).livenessProbe.grpc.port = 50051; } },
  { what: "liveness asking for readiness", set: "k8s/cluster/ledgerd-cluster.yaml", expect: /livenessProbe asks for service "booo.readiness"/,
    apply: (s) => { ledgerd(s).livenessProbe.grpc.service = "booo.readiness"; } },
  { what: "a startup budget of one minute", set: "k8s/base", expect: /startupProbe gives up after 60 s/,
    apply: (s) => { ledgerd(s).startupProbe.failureThreshold = 6; } },
  { what: "--health-listen on loopback", set: "k8s/base", expect: /--health-listen listens on loopback/,
    apply: (s) => { const c = ledgerd(s); c.args = c.args.map((a) => a.replace("--health-listen=0.0.0.0", "--health-listen=127.0.0.1")); } },
  { what: "no NetworkPolicy", set: "k8s/base", expect: /0 NetworkPolicies, expected one/,
    apply: (s) => { s.objects = s.objects.filter((o) => o.kind !== "NetworkPolicy"); } },
  { what: "metrics open to every namespace", set: "k8s/overlays/production", expect: /metrics must come only from namespaces labelled/,
    apply: (s) => { find(s, "NetworkPolicy", "ledgerd").spec.ingress[2].from = [{ namespaceSelector: {} }]; } },
  { what: "an ingress rule without ports", set: "k8s/base", expect: /no ports, so it opens every port/,
    apply: (s) => { find(s, "NetworkPolicy", "ledgerd").spec.ingress.push({ from: [{ podSelector: {} }] }); } },
  { what: "the tiles port not exposed", set: "k8s/overlays/production", expect: /no Service exposes the tiles/,
    apply: (s) => { const svc = find(s, "Service", "ledgerd"); svc.spec.ports = svc.spec.ports.filter((p) => p.name !== "tiles"); } },
  { what: "a Service port to no container port", set: "k8s/cluster/ledgerd-cluster.yaml", expect: /targets metric, which no selected container has/,
    apply: (s) => { find(s, "Service", "ledgerd-metrics").spec.ports[0].targetPort = "metric"; } },
  { what: "a ServiceMonitor on a port no Service has", set: "k8s/base", expect: /endpoint port prometheus is on no selected Service/,
    apply: (s) => { find(s, "ServiceMonitor", "ledgerd").spec.endpoints[0].port = "prometheus"; } },
  { what: "plaintext in production", set: "k8s/overlays/production", expect: /--plaintext-for-development where TLS is required/,
    apply: (s) => { ledgerd(s).args.push("--plaintext-for-development"); } },
  { what: "the TLS Secret kept in development", set: "k8s/overlays/development", expect: /mounts the Secret ledgerd-tls in plaintext mode/,
    apply: (s) => { const spec = find(s, "StatefulSet", "ledgerd").spec.template.spec; spec.volumes.push({ name: "tls", secret: { secretName: "ledgerd-tls" } }); ledgerd(s).volumeMounts.push({ name: "tls", mountPath: "/tls" }); } },
  { what: "the ministry root key mounted in ledgerd", set: "k8s/overlays/production", expect: /container ledgerd mounts the ministry root key/,
    apply: (s) => { ledgerd(s).volumeMounts.push({ name: "root-key", mountPath: "/root-key", readOnly: true }); } },
  { what: "genesis without the CURRENT check", set: "k8s/base", expect: /does not look for an existing ledger/,
    apply: (s) => { const g = find(s, "StatefulSet", "ledgerd").spec.template.spec.initContainers[0]; g.command = ["/bin/sh", "-c", "ledgerctl init --data-dir /data/ledger --root-key /secrets/root-key/root.key"]; } },
  { what: "two replicas of the single writer", set: "k8s/overlays/production", expect: /replicas 2, not 1/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.replicas = 2; } },
  { what: "a file flag on no volume", set: "k8s/overlays/production", expect: /--processing-activities=\/etc\/other\/pa is on no mounted volume/,
    apply: (s) => { const c = ledgerd(s); c.args = c.args.map((a) => (a.startsWith("--processing-activities=") ? "--processing-activities=/etc/other/pa" : a)); } },
  { what: "a Secret key the template does not document", set: "k8s/overlays/production", expect: /reads tls.crt of Secret ledgerd-tls, which the template does not document/,
    apply: (s) => { const c = ledgerd(s); c.args = c.args.map((a) => (a.startsWith("--tls-cert=") ? "--tls-cert=/tls/tls.crt" : a)); } },
  { what: "a Secret rendered by an overlay", set: "k8s/overlays/production", expect: /Secret\/ledgerd-tls: a Secret in the manifests/,
    apply: (s) => { s.objects.push({ apiVersion: "v1", kind: "Secret", metadata: { name: "ledgerd-tls" }, stringData: { "server.crt": "x" } }); } },
  { what: "a key in the Secret template", set: "k8s/base/secrets.template.yaml", expect: /holds PEM material/,
    apply: (s) => { s.text += "\n# -----BEGIN PRIVATE KEY-----\n"; } },
  { what: "an env reference to a missing ConfigMap key", set: "k8s/overlays/development", expect: /env LEDGER_ORIGIN reads ledgerd-genesis\/orign/,
    apply: (s) => { find(s, "StatefulSet", "ledgerd").spec.template.spec.initContainers[0].env[0].valueFrom.configMapKeyRef.key = "orign"; } },
  { what: "production on :latest", set: "k8s/overlays/production", expect: /image booo-ledger\/ledgerd:latest is not pinned/,
    apply: (s) => { ledgerd(s).image = "booo-ledger/ledgerd:latest"; } },
  { what: "a label value with a space", set: "k8s/overlays/production", expect: /is not a label value/,
    apply: (s) => { find(s, "Service", "ledgerd").metadata.labels.app = "ledger d"; } },
];

// Kustomizations the renderer must refuse: [what, expected message, files of a temporary directory].
function brokenKustomizations(root) {
  const base = (dir) => path.relative(dir, path.join(root, "k8s", "base"));
  return [
    ["a kustomization with another apiVersion", /apiVersion kustomize.config.k8s.io\/v1beta1 and kind Kustomization expected/,
      (dir) => ({ "kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1\nkind: Kustomization\nresources: [${base(dir)}]\n` })],
    ["a field the renderer does not implement (commonLabels)", /"commonLabels" is not supported/,
      (dir) => ({ "kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${base(dir)}]\ncommonLabels: {a: b}\n` })],
    ["a JSON patch whose test no longer holds", /test failed/,
      (dir) => ({
        "kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${base(dir)}]\npatches:\n  - path: p.yaml\n    target: {kind: StatefulSet, name: ledgerd}\n`,
        "p.yaml": "- op: test\n  path: /spec/template/spec/volumes/0/name\n  value: data\n- op: remove\n  path: /spec/template/spec/volumes/0\n",
      })],
    ["a patch that matches nothing", /matches no object/,
      (dir) => ({
        "kustomization.yaml": `apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [${base(dir)}]\npatches:\n  - path: p.yaml\n    target: {kind: Deployment, name: ledgerd}\n`,
        "p.yaml": "- op: replace\n  path: /spec/replicas\n  value: 2\n",
      })],
    ["a duplicated key in YAML", /[Mm]ap keys must be unique/,
      (dir) => ({
        "kustomization.yaml": "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [cm.yaml]\n",
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\ndata: {c: d}\n",
      })],
  ];
}

function selfTest(root) {
  const started = Date.now();
  const sets = loadSets(root);
  const variants = [];
  for (const b of BREAKAGES) {
    const original = sets.find((s) => s.name === b.set);
    if (!original || !original.objects) { variants.push({ b, error: `${b.set} did not load` }); continue; }
    const copy = { ...original, objects: clone(original.objects) };
    b.apply(copy);
    variants.push({ b, set: copy });
  }
  const all = [...sets.flatMap((s) => s.objects || []), ...variants.flatMap((v) => (v.set ? v.set.objects : []))];
  const ctx = { sets, secrets: documentedSecrets(sets), strict: strictFields(all), kubectl: null };
  let passed = 0;
  let failed = 0;
  const report = (ok, line, detail) => {
    if (ok) passed++; else failed++;
    console.log(`  ${ok ? "ok  " : "FAIL"}  ${line}`);
    if (!ok && detail) for (const d of detail) console.log(`          ${d}`);
  };
  console.log("validate_manifests --self-test: the manifests as they are pass");
  for (const set of sets) {
    const problems = checkSet(set, ctx).results.flatMap((r) => r.problems);
    report(problems.length === 0, `${set.name} passes`, problems);
  }
  console.log("validate_manifests --self-test: each breakage is rejected, for its reason");
  for (const v of variants) {
    if (v.error) { report(false, `${v.b.what}: ${v.error}`); continue; }
    const problems = checkSet(v.set, { ...ctx, sets: ctx.sets.map((s) => (s.name === v.set.name ? v.set : s)) }).results.flatMap((r) => r.problems);
    const hit = problems.find((p) => v.b.expect.test(p));
    report(Boolean(hit), `${v.b.what} (${v.b.set}): ${hit ? `rejected: ${hit.length > 150 ? `${hit.slice(0, 150)}...` : hit}` : "NOT rejected"}`, hit ? [] : problems.length ? problems : ["(no problem found at all)"]);
  }
  for (const [what, expect, files] of brokenKustomizations(root)) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "booo-manifests-"));
    try {
      for (const [name, text] of Object.entries(files(dir))) fs.writeFileSync(path.join(dir, name), text);
      let message = "rendered without error";
      try {
        render(dir);
      } catch (e) {
        if (!(e instanceof RenderError)) throw e;
        message = e.message;
      }
      report(expect.test(message), `${what}: ${expect.test(message) ? "rejected" : "NOT rejected"}: ${message}`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`validate_manifests --self-test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`self-test: ${passed} passed, ${failed} failed`);
  return failed === 0;
}

// ---- main --------------------------------------------------------------------------------------------

function main(argv) {
  let root = path.resolve(__dirname, "..", "..", "..");
  let mode = "validate";
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--self-test") mode = "self-test";
    else if (argv[i] === "--root" && i + 1 < argv.length) root = path.resolve(argv[++i]);
    else if (argv[i] === "-h" || argv[i] === "--help") {
      console.log("usage: validate_manifests.sh [--self-test] [--root REPO]");
      return 0;
    } else {
      console.error(`validate_manifests: unknown argument ${argv[i]}`);
      return 2;
    }
  }
  return (mode === "self-test" ? selfTest(root) : validate(root)) ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
