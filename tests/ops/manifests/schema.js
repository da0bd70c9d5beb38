// Offline schema checks of Kubernetes objects, two of them:
//  - validateObject: the kubernetes-models class for the object's apiVersion and kind (the
//    Kubernetes OpenAPI schemas, and prometheus-operator's CRDs) and its .validate(); an unknown
//    apiVersion/kind fails. These schemas allow any unknown field, as the API server's own
//    schema does (it drops them, with only a warning).
//  - strictFields: so a misspelt field fails too, each object is type-checked by TypeScript
//    against the same package's interfaces (I<Kind>), whose excess-property check refuses
//    fields that the type does not have, at any depth.
"use strict";

const path = require("path");

const CRD_PACKAGES = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

// The module that models apiVersion/kind, or null when none does.
function modelModule(apiVersion, kind) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) return null;
  const parts = apiVersion.split("/");
  if (parts.length > 2 || !parts.every((p) => /^[a-z0-9][a-z0-9.-]*$/.test(p))) return null;
  const [group, version] = parts.length === 1 ? ["", parts[0]] : parts;
  if (!/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(version)) return null;
  if (group === "") return `kubernetes-models/${version}/${kind}`;
  if (CRD_PACKAGES[group]) return `${CRD_PACKAGES[group]}/${group}/${version}/${kind}`;
  return `kubernetes-models/${group}/${version}/${kind}`;
}

function modelClass(apiVersion, kind) {
  const moduleName = modelModule(apiVersion, kind);
  if (moduleName === null) return null;
  let mod;
  try {
    mod = require(moduleName);
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND") return null;
    throw e;
  }
  const cls = mod[kind];
  // Only top-level objects carry apiVersion and kind (v1/Container, say, is a module too).
  if (typeof cls !== "function" || cls.apiVersion !== apiVersion || cls.kind !== kind) return null;
  return { cls, moduleName };
}

// Problems (strings) of one object against its schema.
function validateObject(obj) {
  const model = modelClass(obj.apiVersion, obj.kind);
  if (model === null) return [`unknown apiVersion/kind ${obj.apiVersion}/${obj.kind}: no schema in kubernetes-models`];
  try {
    new model.cls(obj).validate();
    return [];
  } catch (e) {
    return [`schema: ${e.message}`];
  }
}

// ---- strict fields, by TypeScript --------------------------------------------------------------

// The object as a TypeScript literal, one property per line; `paths` gets each line's JSON path.
function emitLiteral(value, lines, paths, firstPrefix) {
  const push = (text, p) => { lines.push(text); paths.push(p); };
  const emit = (v, p, indent, prefix, suffix) => {
    if (v !== null && typeof v === "object") {
      const isArray = Array.isArray(v);
      const entries = isArray ? v.map((x, i) => [i, x]) : Object.entries(v);
      const [open, close] = isArray ? ["[", "]"] : ["{", "}"];
      if (entries.length === 0) { push(`${indent}${prefix}${open}${close}${suffix}`, p); return; }
      push(`${indent}${prefix}${open}`, p);
      entries.forEach(([k, x], i) => {
        const child = isArray ? `${p}[${k}]` : (p ? `${p}.${k}` : String(k));
        emit(x, child, `${indent}  `, isArray ? "" : `${JSON.stringify(k)}: `, i < entries.length - 1 ? "," : "");
      });
      push(`${indent}${close}${suffix}`, p);
    } else {
      push(`${indent}${prefix}${JSON.stringify(v)}${suffix}`, p);
    }
  };
  emit(value, "", "", firstPrefix, ";");
}

// Map from each object's JSON text to its problems; one TypeScript program for all of them.
function strictFields(objects) {
  const ts = require("typescript");
  const results = new Map();
  const unique = [];
  for (const obj of objects) {
    const key = JSON.stringify(obj);
    if (!results.has(key)) { results.set(key, []); unique.push({ obj, key }); }
  }
  const lines = [];
  const owners = []; // per line: {key, path}
  const imports = new Map();
  const body = [];
  const bodyPaths = [];
  unique.forEach(({ obj, key }, i) => {
    const model = modelClass(obj.apiVersion, obj.kind);
    if (model === null) return; // validateObject reports it
    if (!imports.has(model.moduleName)) imports.set(model.moduleName, `T${imports.size}`);
    const alias = imports.get(model.moduleName);
    const start = body.length;
    emitLiteral(obj, body, bodyPaths, `export const o${i}: ${alias} = `);
    for (let l = start; l < body.length; l++) bodyPaths[l] = { key, path: bodyPaths[l] };
  });
  for (const [moduleName, alias] of imports) {
    const kind = moduleName.slice(moduleName.lastIndexOf("/") + 1);
    lines.push(`import type { I${kind} as ${alias} } from "${moduleName}";`);
    owners.push(null);
  }
  lines.push(...body);
  owners.push(...bodyPaths);

  const file = path.join(__dirname, "__manifests__.ts");
  const source = lines.join("\n");
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [], lib: ["lib.es2020.d.ts"],
    target: ts.ScriptTarget.ES2020, module: ts.ModuleKind.CommonJS, moduleResolution: ts.ModuleResolutionKind.Node10,
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, languageVersion, ...rest) =>
    (path.resolve(name) === file ? ts.createSourceFile(name, source, languageVersion, true) : getSourceFile(name, languageVersion, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => path.resolve(name) === file || fileExists(name);
  const readFile = host.readFile.bind(host);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile(name));
  const program = ts.createProgram([file], options, host);
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ").replace(/\s+/g, " ");
    const short = message.length > 300 ? `${message.slice(0, 300)}...` : message;
    if (!d.file || path.resolve(d.file.fileName) !== file) throw new Error(`strict fields: TypeScript: ${short}`);
    const owner = owners[d.file.getLineAndCharacterOfPosition(d.start).line];
    if (!owner) throw new Error(`strict fields: TypeScript: ${short}`);
    results.get(owner.key).push(`field ${owner.path}: ${short}`);
  }
  return results;
}

module.exports = { validateObject, strictFields, modelClass };
