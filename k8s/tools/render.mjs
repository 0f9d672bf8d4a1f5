// Renders a kustomization folder of k8s/ into its manifests, as `kubectl kustomize` does, for the
// kustomize features these manifests use: resources (files and folders), components, patches
// (strategic merge on maps, RFC 6902 JSON patches) with targets, and images. It exists because
// no Debian, npm or Maven package ships kustomize, and the test suite must render every overlay
// offline; test/kustomize.test.mjs compares it with the real kustomize wherever kubectl is
// installed. Anything else in a kustomization is refused rather than ignored.
//
//   node k8s/tools/render.mjs k8s/overlays/cpu | kubectl apply -f -
import { readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";

/** The k8s/ folder. */
export const K8S_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const KUSTOMIZATION_FIELDS = new Set([
  "apiVersion", "kind", "resources", "components", "patches", "images",
]);

/** The manifests of the kustomization in `folder`, as plain objects. */
export function render(folder) {
  return build(resolve(folder), "Kustomization");
}

function build(folder, expectedKind) {
  const kustomization = readKustomization(folder, expectedKind);
  let objects = [];
  for (const entry of kustomization.resources ?? []) {
    const path = join(folder, entry);
    objects.push(...(statSync(path).isDirectory() ? build(path, "Kustomization") : readYaml(path)));
  }
  for (const entry of kustomization.components ?? []) {
    objects = applyComponent(join(folder, entry), objects);
  }
  return transform(folder, kustomization, objects);
}

function applyComponent(folder, objects) {
  const component = readKustomization(folder, "Component");
  for (const entry of component.resources ?? []) {
    objects.push(...readYaml(join(folder, entry)));
  }
  return transform(folder, component, objects);
}

function transform(folder, kustomization, objects) {
  for (const patch of kustomization.patches ?? []) {
    objects = applyPatch(folder, patch, objects);
  }
  for (const image of kustomization.images ?? []) {
    for (const object of objects) {
      setImage(object, image);
    }
  }
  return objects;
}

function readKustomization(folder, expectedKind) {
  const [doc] = readYaml(join(folder, "kustomization.yaml"));
  const kind = doc.kind ?? "Kustomization";
  if (kind !== expectedKind) {
    throw new Error(`${folder}: a ${kind} where a ${expectedKind} is expected`);
  }
  for (const field of Object.keys(doc)) {
    if (!KUSTOMIZATION_FIELDS.has(field)) {
      throw new Error(`${folder}/kustomization.yaml: '${field}' is not supported by render.mjs`);
    }
  }
  return doc;
}

function readYaml(path) {
  return parseAllDocuments(readFileSync(path, "utf8"))
    .map((doc) => {
      if (doc.errors.length > 0) {
        throw new Error(`${path}: ${doc.errors[0].message}`);
      }
      return doc.toJS();
    })
    .filter((doc) => doc != null);
}

function applyPatch(folder, patch, objects) {
  if (patch.path === undefined || Object.keys(patch).some((k) => k !== "path" && k !== "target")) {
    throw new Error(`${folder}: only patches with a path and an optional target are supported`);
  }
  const file = join(folder, patch.path);
  const [body] = readYaml(file);
  if (Array.isArray(body)) {
    if (patch.target === undefined) {
      throw new Error(`${file}: a JSON patch needs a target`);
    }
    // As in kustomize, a target that matches nothing is no error: a component's patch for a
    // workload kind the variant does not have.
    return objects.map((o) => (matches(o, patch.target) ? applyJsonPatch(o, body, file) : o));
  }
  if (patch.target !== undefined) {
    return objects.map((o) => (matches(o, patch.target) ? mergeMaps(o, body, file, "") : o));
  }
  // Untargeted, the patch names its resource, which must exist.
  const named = { kind: body.kind, name: body.metadata?.name, group: groupOf(body) };
  if (!objects.some((o) => matches(o, named))) {
    throw new Error(`${file}: no resource matches ${JSON.stringify(named)}`);
  }
  return objects.map((o) => (matches(o, named) ? mergeMaps(o, body, file, "") : o));
}

function groupOf(object) {
  const apiVersion = object.apiVersion ?? "";
  return apiVersion.includes("/") ? apiVersion.split("/")[0] : "";
}

function matches(object, target) {
  return (target.kind === undefined || object.kind === target.kind)
    && (target.name === undefined || object.metadata?.name === target.name)
    && (target.group === undefined || groupOf(object) === target.group);
}

// Strategic merge, limited to what is unambiguous without the resource's schema: maps merge key
// by key, scalars replace, null deletes. Lists would need the schema's merge keys, so a list in a
// patch is refused (write a JSON patch instead).
function mergeMaps(base, patch, file, path) {
  const merged = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    const at = `${path}/${key}`;
    if (Array.isArray(value)) {
      throw new Error(`${file}: ${at}: lists in strategic-merge patches are not supported`);
    }
    if (value === null) {
      delete merged[key];
    } else if (typeof value === "object" && typeof base[key] === "object" && base[key] !== null) {
      merged[key] = mergeMaps(base[key], value, file, at);
    } else {
      merged[key] = value;
    }
  }
  return merged;
}

function applyJsonPatch(object, operations, file) {
  const result = structuredClone(object);
  for (const op of operations) {
    const tokens = op.path.split("/").slice(1).map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
    const last = tokens.pop();
    let parent = result;
    for (const token of tokens) {
      parent = parent?.[Array.isArray(parent) ? Number(token) : token];
    }
    if (parent === null || typeof parent !== "object") {
      throw new Error(`${file}: ${op.op} ${op.path}: the parent does not exist`);
    }
    switch (op.op) {
      case "add":
        if (Array.isArray(parent)) {
          parent.splice(last === "-" ? parent.length : Number(last), 0, op.value);
        } else {
          parent[last] = op.value;
        }
        break;
      case "replace":
        if (!(last in parent)) {
          throw new Error(`${file}: replace ${op.path}: nothing to replace`);
        }
        parent[last] = op.value;
        break;
      case "remove":
        if (Array.isArray(parent)) {
          parent.splice(Number(last), 1);
        } else {
          delete parent[last];
        }
        break;
      default:
        throw new Error(`${file}: JSON patch op '${op.op}' is not supported`);
    }
  }
  return result;
}

// kustomize's images transformer: every container and init container whose image is `name`
// (with or without a tag) gets the new name and tag.
function setImage(node, image) {
  if (Array.isArray(node)) {
    node.forEach((item) => setImage(item, image));
    return;
  }
  if (node === null || typeof node !== "object") {
    return;
  }
  for (const [key, value] of Object.entries(node)) {
    if ((key === "containers" || key === "initContainers") && Array.isArray(value)) {
      for (const container of value) {
        const [name, tag] = splitImage(container.image ?? "");
        if (name === image.name) {
          const newTag = image.newTag ?? tag;
          container.image = (image.newName ?? name) + (newTag ? `:${newTag}` : "");
        }
      }
    }
    setImage(value, image);
  }
}

function splitImage(reference) {
  const slash = reference.lastIndexOf("/");
  const colon = reference.lastIndexOf(":");
  return colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, ""];
}

/** Rendered manifests as one YAML stream, in the order the kustomizations list them. */
export function toYaml(objects) {
  return objects.map((o) => stringify(o)).join("---\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const folder = process.argv[2];
  if (folder === undefined) {
    console.error("usage: node k8s/tools/render.mjs KUSTOMIZATION_FOLDER");
    process.exit(2);
  }
  process.stdout.write(toYaml(render(folder)));
}
