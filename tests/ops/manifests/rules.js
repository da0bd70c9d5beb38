// The project's own rules for k8s/, beyond the schemas. Each rule takes a set of objects (one
// rendered kustomization or one file) and returns its problems, as strings; [] passes.
"use strict";

const HARDENED_POD = { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 };
// ledgerd's ports: the flag that opens each, its name and number.
const LEDGERD_PORTS = [
  { flag: "--listen", name: "grpc", port: 50051 },
  { flag: "--tiles-listen", name: "tiles", port: 8443 },
  { flag: "--metrics-listen", name: "metrics", port: 9464 },
  { flag: "--health-listen", name: "health", port: 8081 },
];
const FILE_FLAGS = ["--data-dir", "--checkpoint-key", "--tls-cert", "--tls-key", "--tls-client-ca",
  "--processing-activities", "--access-log-dir", "--follow-cert", "--follow-key", "--follow-ca", "--witness-policy"];
// The start may rebuild national-scale projections on a cold volume: at least this long before
// liveness applies.
const MIN_STARTUP_SECONDS = 600;

const name = (o) => `${o.kind}/${o.metadata.name}`;

function podTemplate(obj) {
  switch (obj.kind) {
    case "StatefulSet": case "Deployment": case "DaemonSet": case "ReplicaSet": case "Job":
      return obj.spec && obj.spec.template;
    case "CronJob":
      return obj.spec && obj.spec.jobTemplate && obj.spec.jobTemplate.spec && obj.spec.jobTemplate.spec.template;
    case "Pod":
      return obj;
    default:
      return undefined;
  }
}
const workloads = (objects) => objects.filter((o) => podTemplate(o));
function containersOf(template) {
  const spec = template.spec || {};
  return [...(spec.initContainers || []).map((c) => ({ c, init: true })), ...(spec.containers || []).map((c) => ({ c, init: false }))];
}
const labelsMatch = (selector, labels) =>
  selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => (labels || {})[k] === v);

// Quantities such as 250m, 2, 512Mi, 8Gi, 1e3, in base units.
function quantity(q) {
  const m = /^([0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/.exec(String(q));
  if (!m) return NaN;
  const factor = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  return Number(m[1]) * (m[2] ? factor[m[2]] : 1);
}

// "--flag=value" arguments as a map (flags given twice keep every value); problems for the rest.
function parseFlags(args, where, problems) {
  const flags = new Map();
  for (const arg of args || []) {
    const m = /^(--[a-z0-9-]+)(?:=(.*))?$/s.exec(arg);
    if (!m) { problems.push(`${where}: argument "${arg}" is not --flag or --flag=value`); continue; }
    if (!flags.has(m[1])) flags.set(m[1], []);
    flags.get(m[1]).push(m[2] === undefined ? true : m[2]);
  }
  return flags;
}
const flag = (flags, f) => (flags.has(f) ? flags.get(f)[0] : undefined);

// The volume mounted at the deepest mountPath holding `file`, or undefined.
function mountFor(container, volumes, file) {
  let best;
  for (const m of container.volumeMounts || []) {
    const dir = m.mountPath.replace(/\/+$/, "");
    if ((file === dir || file.startsWith(`${dir}/`)) && (!best || dir.length > best.dir.length)) {
      best = { dir, mount: m, volume: (volumes || []).find((v) => v.name === m.name) };
    }
  }
  return best;
}

// ---- rules for every workload of ours --------------------------------------------------------

function hardenedSecurityContext(objects) {
  const problems = [];
  for (const w of workloads(objects)) {
    const spec = podTemplate(w).spec || {};
    const pod = spec.securityContext || {};
    for (const [k, v] of Object.entries(HARDENED_POD)) {
      if (pod[k] !== v) problems.push(`${name(w)}: pod securityContext.${k} is ${JSON.stringify(pod[k])}, not ${v}`);
    }
    if (!pod.seccompProfile || pod.seccompProfile.type !== "RuntimeDefault") problems.push(`${name(w)}: pod securityContext.seccompProfile.type is not RuntimeDefault`);
    for (const host of ["hostNetwork", "hostPID", "hostIPC"]) if (spec[host]) problems.push(`${name(w)}: ${host} is on`);
    for (const { c } of containersOf(podTemplate(w))) {
      const sc = c.securityContext || {};
      const where = `${name(w)} container ${c.name}`;
      if (sc.allowPrivilegeEscalation !== false) problems.push(`${where}: securityContext.allowPrivilegeEscalation is not false`);
      if (sc.readOnlyRootFilesystem !== true) problems.push(`${where}: securityContext.readOnlyRootFilesystem is not true`);
      const caps = sc.capabilities || {};
      if (!Array.isArray(caps.drop) || !caps.drop.includes("ALL")) problems.push(`${where}: securityContext.capabilities.drop does not hold ALL`);
      if (caps.add && caps.add.length > 0) problems.push(`${where}: securityContext.capabilities.add is ${JSON.stringify(caps.add)}`);
      if (sc.privileged) problems.push(`${where}: privileged`);
      if (sc.runAsNonRoot === false || (sc.runAsUser !== undefined && sc.runAsUser !== 10001)) problems.push(`${where}: overrides the pod's non-root user`);
    }
  }
  return problems;
}

// A read-only root filesystem leaves /tmp to an emptyDir.
function writableTmp(objects) {
  const problems = [];
  for (const w of workloads(objects)) {
    const volumes = podTemplate(w).spec.volumes || [];
    for (const { c } of containersOf(podTemplate(w))) {
      const m = (c.volumeMounts || []).find((x) => x.mountPath === "/tmp");
      const v = m && volumes.find((x) => x.name === m.name);
      if (!v || !v.emptyDir || m.readOnly) problems.push(`${name(w)} container ${c.name}: no writable emptyDir at /tmp`);
    }
  }
  return problems;
}

function resourcesSet(objects) {
  const problems = [];
  for (const w of workloads(objects)) {
    for (const { c } of containersOf(podTemplate(w))) {
      const where = `${name(w)} container ${c.name}`;
      const r = c.resources || {};
      const requests = r.requests || {};
      const limits = r.limits || {};
      for (const [what, value] of [["requests.cpu", requests.cpu], ["requests.memory", requests.memory], ["limits.memory", limits.memory]]) {
        if (value === undefined) problems.push(`${where}: no resources.${what}`);
        else if (Number.isNaN(quantity(value))) problems.push(`${where}: resources.${what} ${JSON.stringify(value)} is not a quantity`);
      }
      if (requests.memory !== undefined && limits.memory !== undefined && quantity(requests.memory) > quantity(limits.memory)) {
        problems.push(`${where}: requests.memory ${requests.memory} exceeds limits.memory ${limits.memory}`);
      }
      if (requests.cpu !== undefined && limits.cpu !== undefined && quantity(requests.cpu) > quantity(limits.cpu)) {
        problems.push(`${where}: requests.cpu ${requests.cpu} exceeds limits.cpu ${limits.cpu}`);
      }
    }
  }
  return problems;
}

// Mounts name volumes that exist, volumes are used, selectors match their templates, port names fit.
function podWiring(objects) {
  const problems = [];
  for (const w of workloads(objects)) {
    const template = podTemplate(w);
    const spec = template.spec || {};
    const volumes = spec.volumes || [];
    const claims = ((w.spec && w.spec.volumeClaimTemplates) || []).map((t) => t.metadata.name);
    const used = new Set();
    if (w !== template && !labelsMatch(w.spec.selector && w.spec.selector.matchLabels, template.metadata && template.metadata.labels)) {
      problems.push(`${name(w)}: spec.selector.matchLabels does not match the pod template's labels`);
    }
    for (const { c } of containersOf(template)) {
      const portNames = new Set();
      for (const p of c.ports || []) {
        if (p.name !== undefined && (p.name.length > 15 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.name) || !/[a-z]/.test(p.name))) {
          problems.push(`${name(w)} container ${c.name}: port name "${p.name}" is not an IANA service name (15 characters at most)`);
        }
        if (p.name !== undefined && portNames.has(p.name)) problems.push(`${name(w)} container ${c.name}: port name "${p.name}" twice`);
        portNames.add(p.name);
      }
      for (const m of c.volumeMounts || []) {
        used.add(m.name);
        if (!volumes.some((v) => v.name === m.name) && !claims.includes(m.name)) problems.push(`${name(w)} container ${c.name}: mounts "${m.name}", which is no volume`);
      }
    }
    for (const v of volumes) if (!used.has(v.name)) problems.push(`${name(w)}: volume "${v.name}" is mounted by no container`);
    for (const claim of claims) if (!used.has(claim)) problems.push(`${name(w)}: volumeClaimTemplate "${claim}" is mounted by no container`);
  }
  return problems;
}

// ---- ledgerd itself ------------------------------------------------------------------------------

function ledgerdContainers(objects) {
  const out = [];
  for (const w of workloads(objects)) {
    for (const { c, init } of containersOf(podTemplate(w))) if (!init && c.name === "ledgerd") out.push({ w, c, volumes: podTemplate(w).spec.volumes || [] });
  }
  return out;
}

function listenPort(value) {
  const m = /^(.*):([0-9]+)$/.exec(String(value));
  return m ? { host: m[1], port: Number(m[2]) } : undefined;
}

// Ports, the flags opening them, and the probes on the health port.
function ledgerdPortsAndProbes(objects) {
  const problems = [];
  const found = ledgerdContainers(objects);
  if (found.length === 0) return ["no workload has a container named ledgerd"];
  for (const { w, c } of found) {
    const where = `${name(w)} container ledgerd`;
    const flags = parseFlags(c.args, where, problems);
    for (const { flag: f, name: portName, port } of LEDGERD_PORTS) {
      const p = (c.ports || []).find((x) => x.name === portName);
      if (!p || p.containerPort !== port) problems.push(`${where}: no container port ${portName} ${port}`);
      const listen = listenPort(flag(flags, f));
      if (!listen) problems.push(`${where}: no ${f}=HOST:${port}`);
      else {
        if (listen.port !== port) problems.push(`${where}: ${f} listens on ${listen.port}, the port ${portName} is ${port}`);
        if (/^(127\.|localhost$|\[?::1\]?$)/.test(listen.host)) problems.push(`${where}: ${f} listens on loopback (${listen.host}): unreachable from the kubelet and Services`);
      }
    }
    const health = LEDGERD_PORTS.find((p) => p.name === "health").port;
    const probes = { startupProbe: "booo.readiness", readinessProbe: "booo.readiness", livenessProbe: "booo.liveness" };
    for (const [probe, service] of Object.entries(probes)) {
      const p = c[probe];
      if (!p) { problems.push(`${where}: no ${probe}`); continue; }
      if (!p.grpc) { problems.push(`${where}: ${probe} is not a gRPC probe`); continue; }
      if (p.grpc.port !== health) problems.push(`${where}: ${probe} probes port ${p.grpc.port}, not the health port ${health}`);
      if (p.grpc.service !== service) problems.push(`${where}: ${probe} asks for service ${JSON.stringify(p.grpc.service)}, not ${service}`);
    }
    if (c.startupProbe) {
      const seconds = (c.startupProbe.periodSeconds || 10) * (c.startupProbe.failureThreshold || 3);
      if (seconds < MIN_STARTUP_SECONDS) problems.push(`${where}: the startupProbe gives up after ${seconds} s, under ${MIN_STARTUP_SECONDS} s for a rebuild at national scale`);
    }
  }
  return problems;
}

// Files named by flags lie on mounted volumes (the root filesystem holds only the binaries), and
// the data directory on the pod's own persistent volume.
function ledgerdFiles(objects) {
  const problems = [];
  for (const { w, c, volumes } of ledgerdContainers(objects)) {
    const where = `${name(w)} container ledgerd`;
    const flags = parseFlags(c.args, where, problems);
    for (const f of FILE_FLAGS) {
      for (const file of flags.get(f) || []) {
        const m = typeof file === "string" && mountFor(c, volumes, file);
        if (!m) problems.push(`${where}: ${f}=${file} is on no mounted volume`);
      }
    }
    const dataDir = flag(flags, "--data-dir");
    const claims = ((w.spec && w.spec.volumeClaimTemplates) || []).map((t) => t.metadata.name);
    const m = typeof dataDir === "string" && mountFor(c, volumes, dataDir);
    if (!m || !claims.includes(m.mount.name) || m.mount.readOnly) problems.push(`${where}: --data-dir is not on a writable volumeClaimTemplate`);
  }
  return problems;
}

// TLS on (mutual TLS from the Secret ledgerd-tls) or plaintext, as the set requires.
function ledgerdTransport(objects, wantTls) {
  const problems = [];
  for (const { w, c, volumes } of ledgerdContainers(objects)) {
    const where = `${name(w)} container ledgerd`;
    const flags = parseFlags(c.args, where, problems);
    const tlsFlags = ["--tls-cert", "--tls-key", "--tls-client-ca"];
    const tlsVolume = volumes.find((v) => v.secret && v.secret.secretName === "ledgerd-tls");
    if (wantTls) {
      if (flags.has("--plaintext-for-development")) problems.push(`${where}: --plaintext-for-development where TLS is required`);
      for (const f of tlsFlags) {
        const file = flag(flags, f);
        const m = typeof file === "string" && mountFor(c, volumes, file);
        if (!m || !m.volume || !m.volume.secret || m.volume.secret.secretName !== "ledgerd-tls") problems.push(`${where}: ${f} is not a file of the Secret ledgerd-tls`);
      }
    } else {
      if (!flags.has("--plaintext-for-development")) problems.push(`${where}: no --plaintext-for-development`);
      for (const f of tlsFlags) if (flags.has(f)) problems.push(`${where}: ${f} given in plaintext mode`);
      if (tlsVolume) problems.push(`${name(w)}: mounts the Secret ledgerd-tls in plaintext mode`);
    }
  }
  return problems;
}

// One writer: one replica; the genesis initContainer runs `ledgerctl init` only without a ledger;
// the ministry root key reaches that initContainer and nothing else.
function singleWriterGenesis(objects) {
  const problems = [];
  const sets = objects.filter((o) => o.kind === "StatefulSet");
  if (sets.length !== 1) return [`${sets.length} StatefulSets, expected one`];
  const s = sets[0];
  if (s.spec.replicas !== 1) problems.push(`${name(s)}: replicas ${JSON.stringify(s.spec.replicas)}, not 1 (a single writer)`);
  const spec = s.spec.template.spec;
  const genesis = (spec.initContainers || []).find((c) => c.name === "genesis");
  if (!genesis) return [...problems, `${name(s)}: no initContainer genesis`];
  const script = [...(genesis.command || []), ...(genesis.args || [])].join("\n");
  const skip = script.indexOf("/CURRENT");
  const init = script.indexOf("ledgerctl init");
  if (init < 0) problems.push(`${name(s)}: genesis does not run ledgerctl init`);
  if (skip < 0 || skip > init) problems.push(`${name(s)}: genesis does not look for an existing ledger (CURRENT) before ledgerctl init`);
  const rootVolumes = (spec.volumes || []).filter((v) => v.secret && v.secret.secretName === "ledgerd-root-key");
  if (rootVolumes.length !== 1) problems.push(`${name(s)}: the Secret ledgerd-root-key is mounted from ${rootVolumes.length} volumes, not one`);
  for (const v of rootVolumes) {
    if (v.secret.optional !== true) problems.push(`${name(s)}: the root key volume is not optional (the Secret is deleted after genesis)`);
    for (const { c } of containersOf(s.spec.template)) {
      const mounted = (c.volumeMounts || []).some((m) => m.name === v.name);
      if (mounted && c !== genesis) problems.push(`${name(s)}: container ${c.name} mounts the ministry root key`);
      if (!mounted && c === genesis) problems.push(`${name(s)}: genesis does not mount the ministry root key`);
    }
  }
  return problems;
}

// ---- Services, monitoring, disruption, network -------------------------------------------------------

// Container ports (name and number) of the workloads whose pods a selector picks.
function portsSelected(objects, selector) {
  const ports = [];
  for (const w of workloads(objects)) {
    const t = podTemplate(w);
    if (!labelsMatch(selector, t.metadata && t.metadata.labels)) continue;
    for (const { c, init } of containersOf(t)) if (!init) ports.push(...(c.ports || []));
  }
  return ports;
}

// Pod labels set at run time, not in templates: k8s/cluster's role-label sidecar keeps
// booo-ledger/role equal to the node's role (ledgerd-write selects the primary by it).
const RUNTIME_LABELS = ["booo-ledger/role"];

function servicesResolve(objects) {
  const problems = [];
  for (const s of objects.filter((o) => o.kind === "Service")) {
    const selector = Object.fromEntries(Object.entries(s.spec.selector || {}).filter(([k]) => !RUNTIME_LABELS.includes(k)));
    if (!workloads(objects).some((w) => labelsMatch(selector, (podTemplate(w).metadata || {}).labels))) {
      problems.push(`${name(s)}: its selector picks no pod of this set`);
      continue;
    }
    const ports = portsSelected(objects, selector);
    for (const p of s.spec.ports || []) {
      const target = p.targetPort === undefined ? p.port : p.targetPort;
      const hit = typeof target === "string" ? ports.find((x) => x.name === target) : ports.find((x) => x.containerPort === target);
      if (!hit) problems.push(`${name(s)}: port ${p.name || p.port} targets ${target}, which no selected container has`);
    }
  }
  return problems;
}

// A Service port that reaches the pods' container port `port` (by name or number).
function servicePortsTo(objects, port) {
  const out = [];
  for (const s of objects.filter((o) => o.kind === "Service")) {
    const ports = portsSelected(objects, s.spec.selector);
    for (const p of s.spec.ports || []) {
      const target = p.targetPort === undefined ? p.port : p.targetPort;
      const hit = typeof target === "string" ? ports.find((x) => x.name === target) : ports.find((x) => x.containerPort === target);
      if (hit && hit.containerPort === port) out.push({ s, p });
    }
  }
  return out;
}

function tilesExposed(objects) {
  const hits = servicePortsTo(objects, 8443).filter(({ p }) => p.name === "tiles" && p.port === 8443);
  return hits.length > 0 ? [] : ["no Service exposes the tiles (a port named tiles, 8443, to the pods' 8443)"];
}

function grpcAndMetricsExposed(objects) {
  const problems = [];
  if (servicePortsTo(objects, 50051).filter(({ p }) => p.name === "grpc" && p.port === 50051).length === 0) problems.push("no Service exposes gRPC (grpc 50051)");
  if (servicePortsTo(objects, 9464).filter(({ p }) => p.name === "metrics").length === 0) problems.push("no Service exposes the metrics port (metrics, to 9464)");
  return problems;
}

function serviceMonitorResolves(objects) {
  const monitors = objects.filter((o) => o.kind === "ServiceMonitor");
  if (monitors.length === 0) return ["no ServiceMonitor"];
  const problems = [];
  for (const m of monitors) {
    const services = objects.filter((o) => o.kind === "Service" && labelsMatch(m.spec.selector.matchLabels, o.metadata.labels));
    if (services.length === 0) { problems.push(`${name(m)}: its selector picks no Service`); continue; }
    for (const e of m.spec.endpoints || []) {
      if (!services.some((s) => (s.spec.ports || []).some((p) => p.name === e.port))) problems.push(`${name(m)}: endpoint port ${e.port} is on no selected Service`);
      const reaches = servicePortsTo(objects, 9464).some(({ s, p }) => services.includes(s) && p.name === e.port);
      if (!reaches) problems.push(`${name(m)}: endpoint port ${e.port} does not reach ledgerd's metrics port 9464`);
    }
  }
  return problems;
}

function disruptionBudget(objects) {
  const budgets = objects.filter((o) => o.kind === "PodDisruptionBudget");
  if (budgets.length === 0) return ["no PodDisruptionBudget"];
  const problems = [];
  for (const b of budgets) {
    if (!workloads(objects).some((w) => labelsMatch(b.spec.selector.matchLabels, (podTemplate(w).metadata || {}).labels))) problems.push(`${name(b)}: its selector picks no pod`);
  }
  return problems;
}

// Ingress exactly: gRPC from client namespaces, tiles from anywhere, metrics from monitoring.
function networkPolicy(objects) {
  const policies = objects.filter((o) => o.kind === "NetworkPolicy");
  if (policies.length !== 1) return [`${policies.length} NetworkPolicies, expected one`];
  const np = policies[0];
  const problems = [];
  const ledgerdPods = ledgerdContainers(objects).map(({ w }) => podTemplate(w).metadata.labels);
  if (ledgerdPods.length === 0 || !ledgerdPods.every((l) => labelsMatch(np.spec.podSelector.matchLabels, l))) problems.push(`${name(np)}: podSelector does not pick the ledgerd pods`);
  if (!(np.spec.policyTypes || []).includes("Ingress")) problems.push(`${name(np)}: policyTypes lacks Ingress`);
  const want = new Map([
    [50051, { what: "gRPC", from: { "booo-ledger/clients": "true" } }],
    [8443, { what: "tiles", from: null }],
    [9464, { what: "metrics", from: { "kubernetes.io/metadata.name": "monitoring" } }],
  ]);
  const seen = new Set();
  for (const [i, rule] of (np.spec.ingress || []).entries()) {
    const where = `${name(np)} ingress rule ${i + 1}`;
    if (!rule.ports || rule.ports.length === 0) { problems.push(`${where}: no ports, so it opens every port`); continue; }
    for (const p of rule.ports) {
      const w = want.get(p.port);
      if (!w) { problems.push(`${where}: opens port ${p.port}, which only gRPC 50051, tiles 8443 and metrics 9464 may be`); continue; }
      seen.add(p.port);
      if (w.from === null) {
        if (rule.from && rule.from.length > 0) problems.push(`${where}: ${w.what} is public, yet limited by from`);
      } else {
        const ok = Array.isArray(rule.from) && rule.from.length > 0 && rule.from.every((f) => !f.ipBlock && !f.podSelector && f.namespaceSelector &&
          JSON.stringify(f.namespaceSelector) === JSON.stringify({ matchLabels: w.from }));
        if (!ok) problems.push(`${where}: ${w.what} must come only from namespaces labelled ${JSON.stringify(w.from)}`);
      }
    }
  }
  for (const [port, w] of want) if (!seen.has(port)) problems.push(`${name(np)}: no ingress rule for ${w.what} (${port})`);
  return problems;
}

// ---- references ---------------------------------------------------------------------------------

function configMapsResolve(objects) {
  const problems = [];
  const maps = new Map(objects.filter((o) => o.kind === "ConfigMap").map((o) => [o.metadata.name, o.data || {}]));
  for (const w of workloads(objects)) {
    const spec = podTemplate(w).spec;
    for (const v of spec.volumes || []) {
      if (!v.configMap || v.configMap.optional) continue;
      const data = maps.get(v.configMap.name);
      if (!data) { problems.push(`${name(w)}: volume ${v.name} reads ConfigMap ${v.configMap.name}, which this set lacks`); continue; }
      for (const item of v.configMap.items || []) if (!(item.key in data)) problems.push(`${name(w)}: ConfigMap ${v.configMap.name} has no key ${item.key}`);
    }
    for (const { c } of containersOf(podTemplate(w))) {
      for (const e of c.env || []) {
        const ref = e.valueFrom && e.valueFrom.configMapKeyRef;
        if (!ref || ref.optional) continue;
        const data = maps.get(ref.name);
        if (!data || !(ref.key in data)) problems.push(`${name(w)} container ${c.name}: env ${e.name} reads ${ref.name}/${ref.key}, which this set lacks`);
      }
    }
  }
  return problems;
}

// Secrets are made by the operator, not rendered; each one referenced is documented in the
// template with every key a flag reads (`documented`: name -> keys, or null for names only).
function secretsDocumented(objects, documented, keysToo) {
  const problems = [];
  for (const s of objects.filter((o) => o.kind === "Secret")) {
    problems.push(`${name(s)}: a Secret in the manifests (create Secrets from k8s/base/secrets.template.yaml instead)`);
  }
  for (const w of workloads(objects)) {
    const spec = podTemplate(w).spec;
    for (const v of spec.volumes || []) {
      if (!v.secret) continue;
      const keys = documented.get(v.secret.secretName);
      if (!keys) { problems.push(`${name(w)}: volume ${v.name} reads Secret ${v.secret.secretName}, which secrets.template.yaml does not document`); continue; }
      for (const item of v.secret.items || []) if (!keys.includes(item.key)) problems.push(`${name(w)}: Secret ${v.secret.secretName} documents no key ${item.key}`);
    }
    for (const { c } of containersOf(podTemplate(w))) {
      for (const e of c.env || []) {
        const ref = e.valueFrom && e.valueFrom.secretKeyRef;
        if (ref && !(documented.get(ref.name) || []).includes(ref.key)) problems.push(`${name(w)} container ${c.name}: env ${e.name} reads ${ref.name}/${ref.key}, which is not documented`);
      }
      if (!keysToo || c.name !== "ledgerd") continue;
      const flags = parseFlags(c.args, `${name(w)} container ${c.name}`, problems);
      for (const f of FILE_FLAGS) {
        for (const file of flags.get(f) || []) {
          const m = typeof file === "string" && mountFor(c, spec.volumes, file);
          if (!m || !m.volume || !m.volume.secret) continue;
          const key = file.slice(m.dir.length + 1);
          if (!(documented.get(m.volume.secret.secretName) || []).includes(key)) problems.push(`${name(w)}: ${f} reads ${key} of Secret ${m.volume.secret.secretName}, which the template does not document`);
        }
      }
    }
  }
  return problems;
}

// The template holds placeholders only: never a key.
function secretsTemplate(objects, text) {
  const problems = [];
  if (/-----BEGIN/.test(text)) problems.push("holds PEM material (-----BEGIN): placeholders only");
  for (const o of objects) {
    if (o.kind !== "Secret") { problems.push(`${name(o)}: not a Secret`); continue; }
    if (o.data !== undefined) problems.push(`${name(o)}: data (base64) instead of stringData placeholders`);
    for (const [k, v] of Object.entries(o.stringData || {})) {
      if (!/^<[^<>]*>$/.test(String(v))) problems.push(`${name(o)}: ${k} is not a <placeholder>`);
    }
  }
  return problems;
}

function pinnedImages(objects) {
  const problems = [];
  for (const w of workloads(objects)) {
    for (const { c } of containersOf(podTemplate(w))) {
      const image = String(c.image || "");
      const tag = /:([^/:@]+)$/.exec(image.split("@")[0]);
      if (!image.includes("@") && (!tag || tag[1] === "latest")) problems.push(`${name(w)} container ${c.name}: image ${image} is not pinned to a release`);
    }
  }
  return problems;
}

function genesisOrigin(objects) {
  const cm = objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "ledgerd-genesis");
  if (!cm) return ["no ConfigMap ledgerd-genesis"];
  return cm.data && cm.data.origin ? [] : ["ConfigMap ledgerd-genesis has no origin"];
}

module.exports = {
  hardenedSecurityContext, writableTmp, resourcesSet, podWiring, ledgerdPortsAndProbes, ledgerdFiles, ledgerdTransport,
  singleWriterGenesis, servicesResolve, tilesExposed, grpcAndMetricsExposed, serviceMonitorResolves, disruptionBudget,
  networkPolicy, configMapsResolve, secretsDocumented, secretsTemplate, pinnedImages, genesisOrigin, podTemplate, workloads,
};
