// Checks that a user's hook file bundles over an SDK the harness runs and has an
// export to render (./user-hook.mjs), before `convex-auth-check hook` walks it:
//
//   node check-hook.mjs FILE SDK [EXPORT]
//
// SDK: authkit-react | authkit-nextjs | tanstack-start. Prints one JSON line:
// { "export": name, "kind": "hook" | "provider", "type_errors": [tsc's lines] },
// or { "error": one line }.

import { typeErrors } from "./user-hook.mjs";

async function pick(file, sdk, wanted) {
  if (sdk === "authkit-react") {
    const { importUserHook } = await import("./workos.mjs");
    return importUserHook({ file, export: wanted });
  }
  const code = { "authkit-nextjs": "fixes/authkit-nextjs", "tanstack-start": "fixes/tanstack-start" }[sdk];
  if (!code) throw new Error(`SDK ${sdk}: not authkit-react, authkit-nextjs or tanstack-start`);
  const { loadServerActionSdk } = await import("./authkit-server-actions.mjs");
  return (await loadServerActionSdk(code, "convex", { file, export: wanted })).picked;
}

const [, , file, sdk, wanted] = process.argv;
try {
  const picked = await pick(file, sdk, wanted || undefined);
  const type_errors = await typeErrors(file);
  process.stdout.write(JSON.stringify({ export: picked.name, kind: picked.kind, type_errors }) + "\n");
} catch (e) {
  process.stdout.write(JSON.stringify({ error: String(e?.message ?? e).split("\n")[0] }) + "\n");
}
