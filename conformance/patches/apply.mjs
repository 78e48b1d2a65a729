// Applies this project's proposals to the convex releases the harness installs
// for them (npm ci runs it as the postinstall script). Each proposal is a unified
// diff against the published dist/ of one release, installed under its own npm
// alias so that the unpatched release stays beside it:
//
//   convex-1.49.0-proposal   ← convex-1.49.0-proposal-keep-trying.patch
//                              (docs/proposal-keep-trying.md)
//
// A patched package gets a marker file naming the patch and its SHA-256; a second
// run with the same patch does nothing, and one with another patch asks for a
// fresh install (`npm ci`) rather than patching patched files.

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";
import { applyPatch, parsePatch } from "diff";

const here = path.dirname(fileURLToPath(import.meta.url));
const modules = path.join(here, "..", "node_modules");

const PROPOSALS = [
  { patch: "convex-1.49.0-proposal-keep-trying.patch", pkg: "convex-1.49.0-proposal", version: "1.49.0" },
];

const MARKER = "PROPOSAL-APPLIED";

function apply({ patch, pkg, version }) {
  const text = fs.readFileSync(path.join(here, patch), "utf8");
  const digest = crypto.createHash("sha256").update(text).digest("hex");
  const dir = path.join(modules, pkg);
  const installed = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version;
  if (installed !== version) throw new Error(`${pkg}: ${patch} is against convex ${version}, found ${installed}`);
  const marker = path.join(dir, MARKER);
  const expected = `${patch} ${digest}\n`;
  if (fs.existsSync(marker)) {
    if (fs.readFileSync(marker, "utf8") === expected) return;
    throw new Error(`${pkg} carries another version of ${patch}: reinstall the harness (npm ci --prefix conformance)`);
  }
  for (const file of parsePatch(text)) {
    const rel = file.oldFileName.replace(/^a\//, "");
    const target = path.join(dir, rel);
    const patched = applyPatch(fs.readFileSync(target, "utf8"), file);
    if (patched === false) throw new Error(`${patch}: does not apply to ${pkg}/${rel}`);
    fs.writeFileSync(target, patched);
  }
  fs.writeFileSync(marker, expected);
  console.log(`${pkg}: applied ${patch}`);
}

for (const p of PROPOSALS) apply(p);
