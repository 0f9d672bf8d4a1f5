// Every overlay of k8s/ rendered and validated offline against the Kubernetes, Knative and KEDA
// schemas (kubernetes-models and its Knative and KEDA packages), then checked for what the
// variants promise: probes on the server's health endpoints, grace period and drain timeout in
// step, autoscaling derived from the server's settings, GPUs where the variant runs on them.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { HorizontalPodAutoscaler } from "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { Service } from "kubernetes-models/v1/Service";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";
import { Service as KnativeService } from "@kubernetes-models/knative/serving.knative.dev/v1/Service";
import { K8S_ROOT, render } from "../tools/render.mjs";

const MODELS = {
  "v1/ConfigMap": ConfigMap,
  "v1/Service": Service,
  "apps/v1/Deployment": Deployment,
  "autoscaling/v2/HorizontalPodAutoscaler": HorizontalPodAutoscaler,
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "serving.knative.dev/v1/Service": KnativeService,
};

const OVERLAYS = ["cpu", "gpu", "knative"];
const rendered = Object.fromEntries(
  OVERLAYS.map((name) => [name, render(join(K8S_ROOT, "overlays", name))]));

/** Validates one manifest against its kind's schema; throws naming what is wrong. */
function validate(manifest) {
  const Model = MODELS[`${manifest.apiVersion}/${manifest.kind}`];
  if (Model === undefined) {
    throw new Error(`no schema for ${manifest.apiVersion} ${manifest.kind}`);
  }
  new Model(manifest).validate();
}

const find = (objects, apiVersion, kind) =>
  objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind);
const one = (objects, apiVersion, kind) => {
  const found = find(objects, apiVersion, kind);
  assert.equal(found.length, 1, `one ${kind} expected`);
  return found[0];
};
const settings = (objects) => one(objects, "v1", "ConfigMap").data;
const workload = (objects) =>
  find(objects, "apps/v1", "Deployment")[0] ?? one(objects, "serving.knative.dev/v1", "Service");
const seconds = (duration) => {
  const match = /^(\d+)s$/.exec(duration);
  assert.ok(match, `a duration in seconds, not ${duration}`);
  return Number(match[1]);
};

for (const overlay of OVERLAYS) {
  test(`${overlay}: every rendered manifest is valid against its schema`, () => {
    assert.ok(rendered[overlay].length > 0);
    for (const manifest of rendered[overlay]) {
      assert.doesNotThrow(() => validate(manifest), `${manifest.kind} ${manifest.metadata.name}`);
    }
  });

  test(`${overlay}: the server container probes the three health endpoints on its port`, () => {
    const [container] = workload(rendered[overlay]).spec.template.spec.containers;
    const port = container.ports[0].containerPort;
    assert.deepEqual(
      [container.startupProbe, container.readinessProbe, container.livenessProbe]
        .map((probe) => [probe.httpGet.path, probe.httpGet.port]),
      [["/q/health/started", port], ["/q/health/ready", port], ["/q/health/live", port]]);
    assert.deepEqual(container.envFrom, [{ configMapRef: { name: "lckv-serve" } }]);
  });

  test(`${overlay}: memory is requested as much as limited`, () => {
    const { resources } = workload(rendered[overlay]).spec.template.spec.containers[0];
    assert.equal(resources.requests.memory, resources.limits.memory);
    assert.equal(resources.requests.cpu, resources.limits.cpu);
  });
}

test("cpu, gpu: the grace period is the drain timeout plus 10 s to write the last responses and exit", () => {
  for (const overlay of ["cpu", "gpu"]) {
    const pod = one(rendered[overlay], "apps/v1", "Deployment").spec.template.spec;
    assert.equal(pod.terminationGracePeriodSeconds,
      seconds(settings(rendered[overlay]).LCKV_DRAIN_TIMEOUT) + 10, overlay);
  }
});

test("knative: requests may outlast the drain timeout", () => {
  const pod = workload(rendered.knative).spec.template.spec;
  assert.ok(pod.timeoutSeconds >= seconds(settings(rendered.knative).LCKV_DRAIN_TIMEOUT) + 10);
});

test("cpu: CPU image and device, no GPU, scaled by an HPA on the Deployment", () => {
  const objects = rendered.cpu;
  const pod = workload(objects).spec.template.spec;
  assert.equal(pod.containers[0].image, "lckv-serve:cpu");
  assert.equal(settings(objects).LCKV_DEVICE, "cpu");
  assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], undefined);
  assert.equal(pod.nodeSelector, undefined);
  const hpa = one(objects, "autoscaling/v2", "HorizontalPodAutoscaler");
  assert.deepEqual(hpa.spec.scaleTargetRef,
    { apiVersion: "apps/v1", kind: "Deployment", name: workload(objects).metadata.name });
});

for (const overlay of ["gpu", "knative"]) {
  test(`${overlay}: GPU image, one GPU, GPU nodes only, CUDA device`, () => {
    const objects = rendered[overlay];
    const pod = workload(objects).spec.template.spec;
    assert.equal(pod.containers[0].image, "lckv-serve:gpu");
    assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], "1");
    assert.equal(pod.nodeSelector["nvidia.com/gpu.present"], "true");
    assert.ok(pod.tolerations.some((t) => t.key === "nvidia.com/gpu" && t.effect === "NoSchedule"));
    assert.equal(settings(objects).LCKV_DEVICE, "cuda");
  });
}

test("gpu: KEDA scales the Deployment on queued requests and KV cache use", () => {
  const objects = rendered.gpu;
  const scaled = one(objects, "keda.sh/v1alpha1", "ScaledObject");
  assert.equal(scaled.spec.scaleTargetRef.name, workload(objects).metadata.name);
  const queries = scaled.spec.triggers.map((t) => [t.type, t.metadata.query]);
  assert.ok(queries.some(([type, q]) => type === "prometheus" && q.includes("lckv_num_requests_waiting")));
  assert.ok(queries.some(([type, q]) => type === "prometheus" && q.includes("lckv_kv_cache_usage_perc")));
  assert.equal(find(objects, "autoscaling/v2", "HorizontalPodAutoscaler").length, 0,
    "KEDA owns the HPA");
});

test("knative: scales to zero, concurrency capped at the engine's max batch", () => {
  const objects = rendered.knative;
  const template = workload(objects).spec.template;
  const annotations = template.metadata.annotations;
  const maxBatch = Number(settings(objects).LCKV_MAX_BATCH);
  assert.equal(template.spec.containerConcurrency, maxBatch);
  assert.equal(annotations["autoscaling.knative.dev/min-scale"], "0");
  assert.ok(Number(annotations["autoscaling.knative.dev/initial-scale"]) >= 1);
  const target = Number(annotations["autoscaling.knative.dev/target"]);
  assert.ok(target > 0 && target < maxBatch, `target ${target} below the cap ${maxBatch}`);
  assert.equal(find(objects, "apps/v1", "Deployment").length, 0);
  assert.equal(find(objects, "v1", "Service").length, 0, "Knative makes its own Service");
});

test("the validator rejects broken manifests", () => {
  const broken = (manifest, breakIt) => {
    const copy = structuredClone(manifest);
    breakIt(copy);
    return copy;
  };
  const deployment = one(rendered.cpu, "apps/v1", "Deployment");
  assert.throws(() => validate(broken(deployment, (d) => delete d.spec.selector)),
    /spec must have required property selector/);
  assert.throws(
    () => validate(broken(deployment, (d) => {
      d.spec.template.spec.containers[0].ports[0].containerPort = "http";
    })),
    /containerPort must be integer/);
  assert.throws(
    () => validate(broken(workload(rendered.knative), (k) => {
      k.spec.template.spec.containerConcurrency = "64";
    })),
    /containerConcurrency must be integer/);
  assert.throws(
    () => validate(broken(one(rendered.gpu, "keda.sh/v1alpha1", "ScaledObject"),
      (s) => delete s.spec.scaleTargetRef.name)),
    /scaleTargetRef must have required property name/);
  assert.throws(() => validate({ apiVersion: "v1", kind: "Pod", metadata: { name: "x" } }),
    /no schema for v1 Pod/);
});

test("the renderer refuses kustomize features it does not implement", () => {
  const folder = mkdtempSync(join(tmpdir(), "lckv-k8s-"));
  writeFileSync(join(folder, "kustomization.yaml"), "resources: []\nnamePrefix: x-\n");
  assert.throws(() => render(folder), /'namePrefix' is not supported/);

  writeFileSync(join(folder, "kustomization.yaml"),
    "resources: [cm.yaml]\npatches:\n  - path: patch.yaml\n");
  writeFileSync(join(folder, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n");
  writeFileSync(join(folder, "patch.yaml"),
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\nbinaryData: [x]\n");
  assert.throws(() => render(folder), /lists in strategic-merge patches are not supported/);
});
