// A node:test reporter writing a JUnit XML report, which scripts/lib/test-summary.py adds to the
// build's closing summary like Surefire's, CTest's and pytest's. (Node's own junit reporter is
// missing from the Node 18 that Debian bookworm ships.)
import { relative } from "node:path";

const escape = (text) =>
  String(text).replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]);

export default async function* junit(source) {
  const cases = [];
  for await (const event of source) {
    if (event.type !== "test:pass" && event.type !== "test:fail") {
      continue;
    }
    const { name, file, details, skip, todo } = event.data;
    if (details.type === "suite") {
      continue;
    }
    cases.push({
      name,
      file: file ? relative(process.cwd(), file) : "k8s",
      seconds: (details.duration_ms ?? 0) / 1000,
      skipped: skip !== undefined || todo !== undefined,
      error: event.type === "test:fail" ? details.error : undefined,
    });
  }
  const failures = cases.filter((c) => c.error).length;
  const skipped = cases.filter((c) => c.skipped).length;
  const seconds = cases.reduce((sum, c) => sum + c.seconds, 0);
  yield '<?xml version="1.0" encoding="UTF-8"?>\n';
  yield `<testsuite name="k8s" tests="${cases.length}" failures="${failures}" errors="0" `
    + `skipped="${skipped}" time="${seconds.toFixed(3)}">\n`;
  for (const c of cases) {
    yield `  <testcase classname="${escape(c.file)}" name="${escape(c.name)}" time="${c.seconds.toFixed(3)}"`;
    if (c.error) {
      const cause = c.error.cause ?? c.error;
      yield `>\n    <failure message="${escape(cause.message ?? cause)}">${escape(cause.stack ?? cause)}</failure>\n  </testcase>\n`;
    } else if (c.skipped) {
      yield ">\n    <skipped/>\n  </testcase>\n";
    } else {
      yield "/>\n";
    }
  }
  yield "</testsuite>\n";
}
