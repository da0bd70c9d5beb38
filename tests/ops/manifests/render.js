// Renders a kustomization directory to plain objects: the small part of kustomize that k8s/ uses,
// for machines without kustomize (Debian 12 packages none; its kubernetes-client embeds a 2019
// kustomize that reads none of today's fields). Anything else in a kustomization is refused, not
// ignored, so a file that would render differently under kustomize fails here first.
//
//   apiVersion: kustomize.config.k8s.io/v1beta1, kind: Kustomization
//   resources:  files (multi-document YAML) and directories holding a kustomization.yaml
//   patches:    {path, target: {kind, name[, group, version]}} with an RFC 6902 JSON patch in the file
//   namespace:  set on every namespaced object
//   labels:     [{pairs}] added to every object's metadata.labels (not to selectors or templates)
//   images:     [{name, newName?, newTag?, digest?}] on containers and initContainers
//
// Usage as a command: node render.js DIR  (prints the objects as YAML documents)
"use strict";

const fs = require("fs");
const path = require("path");
const YAML = require("yaml");

// Kubernetes reads YAML 1.1 (0440 is octal, yes/no are booleans); so does this.
const YAML_OPTIONS = { version: "1.1", merge: false, uniqueKeys: true };

const CLUSTER_SCOPED = new Set([
  "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "PersistentVolume",
  "StorageClass", "PriorityClass", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration",
  "APIService", "IngressClass", "RuntimeClass", "CSIDriver", "VolumeAttachment",
]);
// Kinds whose namespace kustomize also writes inside the object (subjects, webhooks): not done here.
const NAMESPACE_REFERENCES = new Set(["RoleBinding", "ClusterRoleBinding",
  "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "APIService"]);

class RenderError extends Error {}

function parseYamlDocuments(file, text) {
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
  const out = [];
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      throw new RenderError(`${file}: ${doc.errors.map((e) => e.message.split("\n")[0]).join("; ")}`);
    }
    const value = doc.toJS({ maxAliasCount: 0 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function readYamlFile(file) {
  return parseYamlDocuments(file, fs.readFileSync(file, "utf8"));
}

function objectId(obj) {
  const ns = obj.metadata && obj.metadata.namespace ? `${obj.metadata.namespace}/` : "";
  return `${obj.apiVersion}/${obj.kind}/${ns}${obj.metadata && obj.metadata.name}`;
}

// ---- RFC 6902 -------------------------------------------------------------------------------

function pointerTokens(pointer, where) {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) throw new RenderError(`${where}: path "${pointer}" does not start with /`);
  return pointer.slice(1).split("/").map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function arrayIndex(token, array, forAdd, where) {
  if (forAdd && token === "-") return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(token)) throw new RenderError(`${where}: "${token}" is not an array index`);
  const index = Number(token);
  if (index > array.length || (!forAdd && index === array.length)) {
    throw new RenderError(`${where}: index ${index} is past the end (${array.length} elements)`);
  }
  return index;
}

// The container of the last token, and that token.
function locate(doc, tokens, where) {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(token, node, false, where)];
    else if (node !== null && typeof node === "object" && Object.prototype.hasOwnProperty.call(node, token)) node = node[token];
    else throw new RenderError(`${where}: no "${token}"`);
    if (node === null || typeof node !== "object") throw new RenderError(`${where}: "${token}" is not an object or array`);
  }
  return { parent: node, last: tokens[tokens.length - 1] };
}

function getAt(doc, pointer, where) {
  const tokens = pointerTokens(pointer, where);
  if (tokens.length === 0) return doc;
  const { parent, last } = locate(doc, tokens, where);
  if (Array.isArray(parent)) return parent[arrayIndex(last, parent, false, where)];
  if (!Object.prototype.hasOwnProperty.call(parent, last)) throw new RenderError(`${where}: no "${last}"`);
  return parent[last];
}

function deepEqual(a, b) {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
}

const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function applyJsonPatch(doc, ops, where) {
  if (!Array.isArray(ops)) throw new RenderError(`${where}: a JSON patch (a list of operations) is expected`);
  ops.forEach((op, i) => {
    const at = `${where}: operation ${i + 1} (${op && op.op} ${op && op.path})`;
    if (op === null || typeof op !== "object" || typeof op.path !== "string") throw new RenderError(`${at}: malformed`);
    const tokens = pointerTokens(op.path, at);
    if (tokens.length === 0) throw new RenderError(`${at}: the whole document cannot be patched`);
    switch (op.op) {
      case "test":
        if (!deepEqual(getAt(doc, op.path, at), op.value)) {
          throw new RenderError(`${at}: test failed: ${JSON.stringify(getAt(doc, op.path, at))} is not ${JSON.stringify(op.value)}`);
        }
        break;
      case "add":
      case "replace": {
        if (!("value" in op)) throw new RenderError(`${at}: no value`);
        const { parent, last } = locate(doc, tokens, at);
        if (Array.isArray(parent)) {
          const index = arrayIndex(last, parent, op.op === "add", at);
          if (op.op === "add") parent.splice(index, 0, clone(op.value));
          else parent[index] = clone(op.value);
        } else {
          if (op.op === "replace" && !Object.prototype.hasOwnProperty.call(parent, last)) throw new RenderError(`${at}: nothing to replace`);
          parent[last] = clone(op.value);
        }
        break;
      }
      case "remove": {
        const { parent, last } = locate(doc, tokens, at);
        if (Array.isArray(parent)) parent.splice(arrayIndex(last, parent, false, at), 1);
        else if (Object.prototype.hasOwnProperty.call(parent, last)) delete parent[last];
        else throw new RenderError(`${at}: nothing to remove`);
        break;
      }
      default:
        throw new RenderError(`${at}: operation "${op.op}" is not supported (add, remove, replace, test)`);
    }
  });
}

// ---- transformers ------------------------------------------------------------------------------

function matchesTarget(obj, target) {
  const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/") : ["", obj.apiVersion];
  return (target.kind === undefined || target.kind === obj.kind) &&
    (target.name === undefined || target.name === obj.metadata.name) &&
    (target.group === undefined || target.group === group) &&
    (target.version === undefined || target.version === version);
}

function parseImage(image) {
  // name[:tag][@digest]; the name may hold a registry port (host:5000/x).
  let rest = image;
  let digest;
  const at = rest.indexOf("@");
  if (at >= 0) { digest = rest.slice(at + 1); rest = rest.slice(0, at); }
  let tag;
  const colon = rest.lastIndexOf(":");
  if (colon > rest.lastIndexOf("/")) { tag = rest.slice(colon + 1); rest = rest.slice(0, colon); }
  return { name: rest, tag, digest };
}

function setImages(node, images, used) {
  if (Array.isArray(node)) { node.forEach((n) => setImages(n, images, used)); return; }
  if (node === null || typeof node !== "object") return;
  for (const [key, value] of Object.entries(node)) {
    if ((key === "containers" || key === "initContainers") && Array.isArray(value)) {
      for (const container of value) {
        if (typeof container.image !== "string") continue;
        const parsed = parseImage(container.image);
        const rule = images.find((i) => i.name === parsed.name);
        if (!rule) continue;
        used.add(rule.name);
        let image = rule.newName || parsed.name;
        if (rule.digest) image += `@${rule.digest}`;
        else if (rule.newTag) image += `:${rule.newTag}`;
        else if (parsed.tag) image += `:${parsed.tag}${parsed.digest ? `@${parsed.digest}` : ""}`;
        else if (parsed.digest) image += `@${parsed.digest}`;
        container.image = image;
      }
    }
    setImages(value, images, used);
  }
}

// ---- kustomization -------------------------------------------------------------------------------

const KNOWN_FIELDS = new Set(["apiVersion", "kind", "resources", "patches", "namespace", "labels", "images"]);

function readKustomization(dir) {
  const names = ["kustomization.yaml", "kustomization.yml", "Kustomization"].filter((n) => fs.existsSync(path.join(dir, n)));
  if (names.length !== 1) {
    throw new RenderError(`${dir}: ${names.length === 0 ? "no kustomization.yaml" : `several kustomization files (${names.join(", ")})`}`);
  }
  const file = path.join(dir, names[0]);
  const docs = readYamlFile(file);
  if (docs.length !== 1 || docs[0] === null || typeof docs[0] !== "object" || Array.isArray(docs[0])) {
    throw new RenderError(`${file}: one mapping expected`);
  }
  const k = docs[0];
  if (k.apiVersion !== "kustomize.config.k8s.io/v1beta1" || k.kind !== "Kustomization") {
    throw new RenderError(`${file}: apiVersion kustomize.config.k8s.io/v1beta1 and kind Kustomization expected, not ${k.apiVersion} ${k.kind}`);
  }
  for (const field of Object.keys(k)) {
    if (!KNOWN_FIELDS.has(field)) throw new RenderError(`${file}: "${field}" is not supported by tests/ops/manifests/render.js`);
  }
  return { file, k };
}

function listOf(value, what, file) {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new RenderError(`${file}: ${what} must be a list`);
  return value;
}

// Objects of the kustomization in `dir`, each with a hidden `source` (the file it came from).
function render(dir, seen = []) {
  dir = path.resolve(dir);
  if (seen.includes(dir)) throw new RenderError(`${dir}: resources form a cycle`);
  const { file, k } = readKustomization(dir);
  let objects = [];
  for (const entry of listOf(k.resources, "resources", file)) {
    if (typeof entry !== "string" || /^[a-z]+:\/\//.test(entry)) throw new RenderError(`${file}: resource ${JSON.stringify(entry)}: a local file or directory expected`);
    const target = path.resolve(dir, entry);
    if (!fs.existsSync(target)) throw new RenderError(`${file}: resource ${entry} does not exist`);
    if (fs.statSync(target).isDirectory()) {
      objects.push(...render(target, [...seen, dir]));
    } else {
      const rel = path.relative(dir, target);
      if (rel.startsWith("..")) throw new RenderError(`${file}: resource file ${entry} is outside the kustomization's directory (kustomize refuses it)`);
      for (const obj of readYamlFile(target)) {
        if (obj === null || typeof obj !== "object" || typeof obj.apiVersion !== "string" || typeof obj.kind !== "string" ||
            !obj.metadata || typeof obj.metadata.name !== "string") {
          throw new RenderError(`${target}: every document needs apiVersion, kind and metadata.name`);
        }
        Object.defineProperty(obj, "source", { value: target, enumerable: false, writable: true });
        objects.push(obj);
      }
    }
  }
  const ids = new Set();
  for (const obj of objects) {
    const id = `${obj.apiVersion}/${obj.kind}/${obj.metadata.name}`;
    if (ids.has(id)) throw new RenderError(`${file}: ${id} appears twice`);
    ids.add(id);
  }

  for (const patch of listOf(k.patches, "patches", file)) {
    if (!patch || typeof patch.path !== "string" || !patch.target || typeof patch.target !== "object" ||
        Object.keys(patch).some((key) => key !== "path" && key !== "target")) {
      throw new RenderError(`${file}: each patch needs exactly path and target (inline patches, options: not supported)`);
    }
    for (const key of Object.keys(patch.target)) {
      if (!["kind", "name", "group", "version"].includes(key)) throw new RenderError(`${file}: patch target field "${key}" is not supported`);
    }
    const patchFile = path.resolve(dir, patch.path);
    const docs = readYamlFile(patchFile);
    if (docs.length !== 1 || !Array.isArray(docs[0])) throw new RenderError(`${patchFile}: an RFC 6902 JSON patch (a YAML list of operations) is expected`);
    const targets = objects.filter((o) => matchesTarget(o, patch.target));
    if (targets.length === 0) throw new RenderError(`${file}: patch ${patch.path} matches no object (${JSON.stringify(patch.target)})`);
    for (const obj of targets) applyJsonPatch(obj, docs[0], `${patchFile} on ${obj.kind}/${obj.metadata.name}`);
  }

  if (k.namespace !== undefined) {
    if (typeof k.namespace !== "string" || k.namespace === "") throw new RenderError(`${file}: namespace must be a name`);
    for (const obj of objects) {
      if (NAMESPACE_REFERENCES.has(obj.kind)) throw new RenderError(`${file}: namespace on ${obj.kind} is not supported (kustomize also rewrites its references)`);
      if (!CLUSTER_SCOPED.has(obj.kind)) obj.metadata.namespace = k.namespace;
    }
  }

  for (const entry of listOf(k.labels, "labels", file)) {
    if (!entry || typeof entry.pairs !== "object" || Object.keys(entry).some((key) => key !== "pairs")) {
      throw new RenderError(`${file}: labels entries need pairs only (includeSelectors, includeTemplates: not supported)`);
    }
    for (const obj of objects) {
      obj.metadata.labels = { ...(obj.metadata.labels || {}) };
      for (const [key, value] of Object.entries(entry.pairs)) {
        if (typeof value !== "string") throw new RenderError(`${file}: label ${key}: a string value expected`);
        obj.metadata.labels[key] = value;
      }
    }
  }

  const images = listOf(k.images, "images", file);
  for (const image of images) {
    if (!image || typeof image.name !== "string" || Object.keys(image).some((key) => !["name", "newName", "newTag", "digest"].includes(key))) {
      throw new RenderError(`${file}: images entries need name and newName, newTag or digest`);
    }
  }
  if (images.length > 0) {
    const used = new Set();
    for (const obj of objects) setImages(obj, images, used);
    for (const image of images) {
      if (!used.has(image.name)) throw new RenderError(`${file}: image ${image.name} is used by no container`);
    }
  }
  return objects;
}

function toYaml(objects) {
  return objects.map((o) => YAML.stringify(o, { version: "1.1", blockQuote: "literal", lineWidth: 0 })).join("---\n");
}

module.exports = { render, RenderError, readYamlFile, parseYamlDocuments, objectId, deepEqual, toYaml, YAML_OPTIONS };

if (require.main === module) {
  if (process.argv.length !== 3) {
    console.error("usage: node render.js KUSTOMIZATION_DIR");
    process.exit(2);
  }
  try {
    process.stdout.write(toYaml(render(process.argv[2])));
  } catch (e) {
    if (!(e instanceof RenderError)) throw e;
    console.error(`render: ${e.message}`);
    process.exit(1);
  }
}
