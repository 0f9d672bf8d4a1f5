// tools/render.mjs against the real kustomize: both must render every overlay to the same
// manifests. Runs where kustomize or a kubectl with kustomize built in is installed (no Debian,
// npm or Maven package has it, so elsewhere it is skipped and says so).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import test from "node:test";
import { parseAllDocuments } from "yaml";
import { K8S_ROOT, render } from "../tools/render.mjs";

function kustomizeCommand() {
  for (const command of [["kustomize", "build"], ["kubectl", "kustomize"]]) {
    const probe = spawnSync(command[0], [...command.slice(1), "--help"], { encoding: "utf8" });
    if (probe.status === 0) {
      return command;
    }
  }
  return undefined;
}

const command = kustomizeCommand();
const byName = (objects) =>
  Object.fromEntries(objects.map((o) => [`${o.apiVersion} ${o.kind} ${o.metadata.name}`, o]));

for (const overlay of ["cpu", "gpu", "knative"]) {
  test(`${overlay}: render.mjs renders what kustomize renders`,
    { skip: command === undefined && "neither kustomize nor kubectl is installed" }, () => {
      const folder = join(K8S_ROOT, "overlays", overlay);
      const run = spawnSync(command[0], [...command.slice(1), folder], { encoding: "utf8" });
      assert.equal(run.status, 0, run.stderr);
      const expected = parseAllDocuments(run.stdout).map((d) => d.toJS()).filter(Boolean);
      assert.deepEqual(byName(render(folder)), byName(expected));
    });
}
