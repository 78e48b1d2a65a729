// A user's own hook file (`convex-auth-check hook FILE`), run by the harness in
// place of this project's recommended hook over the same SDK: the file is
// bundled by esbuild with the packages ../fixes/package.json pins (the same
// SDK build the recommended hook runs over), and rendered where the
// recommended one is.
//
// The export rendered is a hook of the shape ConvexProviderWithAuth takes
// (`useX(): { isLoading, isAuthenticated, fetchAccessToken }`) or a provider
// component that takes `client`, `useAuth` and `children` (as
// @convex-dev/workos's ConvexProviderWithAuthKit does). Unnamed, it is the
// file's only hook (a function export named use…), or else its only
// component (a function export whose name starts with a capital).
//
// In the file's bundle, `convex/react` is the run's convex with two changes:
// ConvexProviderWithAuth is given the driver's client whatever the file
// passes, and `new ConvexReactClient(…)` made by the file itself is a stand-in
// (the driver's client, once there is one): the file may build its client at
// module level, as the templates do.
//
// `node check-hook.mjs FILE SDK [EXPORT]` checks that a file bundles and has an
// export to render.

import fs from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixes = path.join(here, "..", "fixes");

// The name of the file's bundle under .build/: it starts with "fixes-", which
// labels the file's timers as the hook's own (driver.mjs timerLabel), and
// holds a digest of the file's path and text, so an edited file is bundled again.
export function bundleName(prefix, file) {
  const text = fs.readFileSync(file);
  const digest = crypto.createHash("sha256").update(path.resolve(file)).update(text).digest("hex").slice(0, 12);
  return `${prefix}-${digest}`;
}

// esbuild's plugin for the file's own imports of convex: `convex/react` is the
// stand-in above, any other `convex/…` the run's convex package. `fromUser`
// tells the file's imports from the SDK's.
export function convexForUserFile(convexPackage, fromUser = () => true) {
  const pkg = (entry) => `${convexPackage}/${entry}`;
  return {
    name: "convex-for-user-file",
    setup(build) {
      build.onResolve({ filter: /^convex\/react$/ }, (args) =>
        args.namespace !== "harness-convex" && fromUser(args.importer)
          ? { path: "convex/react", namespace: "harness-convex" }
          : undefined,
      );
      build.onResolve({ filter: /^convex(\/|$)/ }, (args) => ({ path: args.path.replace(/^convex/, convexPackage), external: true }));
      build.onLoad({ filter: /.*/, namespace: "harness-convex" }, () => ({
        loader: "js",
        contents: [
          `import * as real from ${JSON.stringify(pkg("react"))};`,
          `import { createElement } from "react";`,
          `export * from ${JSON.stringify(pkg("react"))};`,
          "export function ConvexProviderWithAuth(props) {",
          "  return createElement(real.ConvexProviderWithAuth, { ...props, client: globalThis.__harnessConvexClient ?? props.client });",
          "}",
          "export class ConvexReactClient {",
          "  constructor() {",
          "    return globalThis.__harnessConvexClient ?? Object.create(real.ConvexReactClient.prototype);",
          "  }",
          "}",
        ].join("\n"),
      }));
    },
  };
}

// esbuild's plugin that makes the file's imports of the IdP SDKs
// ../fixes/package.json pins (@workos…) resolve in ../fixes, even where the file's own
// project has a node_modules of its own with other versions of them: the run
// is over the SDK it names, and the SDK's provider and the file's hooks share
// one copy (its React context). `fromUser` tells the file's imports from the
// SDK's.
export function pinnedPackagesForUserFile(fromUser = () => true) {
  const pinned = Object.keys(JSON.parse(fs.readFileSync(path.join(fixes, "package.json"), "utf8")).devDependencies ?? {}).filter(
    (name) => name.startsWith("@workos"),
  );
  const packageOf = (specifier) => specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
  return {
    name: "pinned-packages-for-user-file",
    setup(build) {
      build.onResolve({ filter: /^[@a-z]/ }, (args) => {
        if (args.resolveDir === fixes || !args.importer || !fromUser(args.importer)) return undefined;
        if (!pinned.includes(packageOf(args.path))) return undefined;
        return build.resolve(args.path, { kind: args.kind, resolveDir: fixes });
      });
    },
  };
}

// What esbuild's options for the file add to a harness's own: the packages
// resolve from ../fixes/node_modules wherever the file is, JSX and TypeScript
// compile, and names stay (the driver labels timers by the stack).
export const USER_FILE_OPTIONS = {
  bundle: true,
  format: "esm",
  platform: "browser",
  jsx: "automatic",
  nodePaths: [path.join(fixes, "node_modules")],
  external: ["react", "react/*", "react-dom"],
  logLevel: "silent",
  keepNames: true,
  loader: { ".js": "jsx" },
};

// esbuild's first error as one line: file:line:column: text.
export function buildError(e) {
  const first = e?.errors?.[0];
  if (!first) return String(e?.message ?? e).split("\n")[0];
  const where = first.location ? `${path.resolve(first.location.file)}:${first.location.line}:${first.location.column + 1}: ` : "";
  return `${where}does not compile: ${first.text}`;
}

// The export to render: `wanted`, or the only hook, or the only component.
export function pickExport(mod, file, wanted) {
  const functions = Object.keys(mod).filter((n) => typeof mod[n] === "function");
  const listed = functions.length ? functions.join(", ") : "none";
  const kindOf = (name) => (/^use[A-Z0-9_]/.test(name) ? "hook" : /^[A-Z]/.test(name) || name === "default" ? "provider" : null);
  if (wanted) {
    if (typeof mod[wanted] !== "function") {
      throw new Error(`${file}: no function export named ${wanted}; its function exports: ${listed}`);
    }
    const kind = kindOf(wanted);
    if (!kind) throw new Error(`${file}: ${wanted} is neither a hook (use…) nor a component (a capitalised name); its function exports: ${listed}`);
    return { name: wanted, kind, value: mod[wanted] };
  }
  const hooks = functions.filter((n) => kindOf(n) === "hook");
  if (hooks.length === 1) return { name: hooks[0], kind: "hook", value: mod[hooks[0]] };
  if (hooks.length > 1) throw new Error(`${file}: several hooks (${hooks.join(", ")}); name the one to check with --export`);
  const components = functions.filter((n) => kindOf(n) === "provider");
  if (components.length === 1) return { name: components[0], kind: "provider", value: mod[components[0]] };
  if (components.length > 1) throw new Error(`${file}: no hook and several components (${components.join(", ")}); name the one to check with --export`);
  throw new Error(`${file}: no hook (a function export named use…) and no provider component to check; its function exports: ${listed}`);
}

// The provider the harness renders under the SDK's: the file's provider
// component as it is, or ConvexProviderWithAuth over the file's hook.
// What the file throws while React renders it is recorded for the driver
// (`globalThis.__userHookThrew`), which stops the run with it.
export function providerOf(React, picked, ConvexProviderWithAuth) {
  const recorded = (render) =>
    function (...args) {
      try {
        return render(...args);
      } catch (e) {
        globalThis.__userHookThrew = e;
        throw e;
      }
    };
  if (picked.kind === "provider") return recorded(picked.value);
  const useAuth = recorded(picked.value);
  return function UserHookProvider({ client, children }) {
    return React.createElement(ConvexProviderWithAuth, { client, useAuth }, children);
  };
}

// The type errors tsc reports in the file, one string each as tsc prints them
// (`file(line,col): error TSnnnn: …`), checked with ../fixes/tsconfig.json's
// options (strict, as the templates ship) against the packages
// ../fixes/package.json pins, whatever folder the file is in. A .js or .jsx
// file has none (tsc does not check JavaScript unless told to).
export async function typeErrors(file) {
  if (!/\.tsx?$/.test(file)) return [];
  const { default: ts } = await import(path.join(fixes, "node_modules", "typescript", "lib", "typescript.js"));
  const config = ts.readConfigFile(path.join(fixes, "tsconfig.json"), ts.sys.readFile);
  const { options } = ts.parseJsonConfigFileContent(config.config, ts.sys, fixes);
  options.typeRoots = [path.join(fixes, "node_modules", "@types")];
  const host = ts.createCompilerHost(options);
  // A package the file imports resolves as from a file in ../fixes: its
  // node_modules, with each package's `exports` map as tsc reads it.
  const asIfInFixes = path.join(fixes, "user-hook.tsx");
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts) =>
    literals.map((literal) => {
      const name = literal.text;
      const from = name.startsWith(".") || containingFile.includes(`${path.sep}node_modules${path.sep}`) ? containingFile : asIfInFixes;
      return ts.resolveModuleName(name, from, opts, host, undefined, redirected);
    });
  const program = ts.createProgram([file], options, host);
  const source = program.getSourceFile(file);
  const diagnostics = [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)];
  // tsc's own format (without --pretty), the file named by the path given.
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const category = ts.DiagnosticCategory[d.category].toLowerCase();
    if (!d.file) return `${category} TS${d.code}: ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${file}(${line + 1},${character + 1}): ${category} TS${d.code}: ${text}`;
  });
}
