// This project's recommended hooks for the two WorkOS templates whose SDK reaches
// its server through the framework, each over the real client side of that SDK,
// in plain Node:
//
//   fixes/authkit-nextjs   ../fixes/authkit-nextjs/ConvexClientProvider.tsx
//                          (`useAuthFromAuthKit`) over @workos-inc/authkit-nextjs
//                          4.3.2 (`AuthKitProvider`, `useAuth`, `useAccessToken`
//                          and its token store);
//   fixes/tanstack-start   ../fixes/tanstack-start/useAuthFromWorkOS.tsx
//                          (`useAuthFromWorkOS`) over
//                          @workos/authkit-tanstack-react-start 0.11.1 (the same
//                          four pieces, its own code).
//
// Both SDKs' client code reaches the server only through one module of server
// functions (Next.js Server Actions, `dist/esm/actions.js`; TanStack Start server
// functions, `dist/server/actions.js` and `server-functions.js`); in a browser each
// call is a request to the app's server. Here the hook and the SDK's client code
// are bundled by esbuild with those modules replaced by requests the driver
// answers. Everything else (the token store's cache, its expiry test,
// single-flight refresh and timers; the provider's user and loading state) is
// the package's own code.
//
// The packages are the ones the fixes are type-checked against (../fixes/package.json
// pins them): they are installed there, not here, because their framework peers
// (`next`, `@tanstack/react-start`) are not needed to run their client code
// (`npm ci --prefix fixes`).
//
// Globals: document.cookie (authkit-nextjs's store reads its fast cookie),
// document.visibilityState and add/removeEventListener on document and window
// (useAccessToken's wake listener and AuthKitProvider's session check listen for
// visibilitychange; the driver dispatches it when the model's wake refresh ends,
// storeWake), window.location.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { importBuilt, requestQueue } from "./fake-browser.mjs";
import {
  bundleName,
  buildError,
  convexForUserFile,
  pickExport,
  pinnedPackagesForUserFile,
  providerOf,
  USER_FILE_OPTIONS,
} from "./user-hook.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixes = path.join(here, "..", "fixes");

// Each hook, the SDK it runs over, and where that SDK's pieces are.
const SDKS = {
  "fixes/authkit-nextjs": {
    fix: "authkit-nextjs/ConvexClientProvider.tsx",
    hook: "useAuthFromAuthKit",
    dir: path.join(fixes, "node_modules", "@workos-inc", "authkit-nextjs"),
    provider: "@workos-inc/authkit-nextjs/components",
    tokenStore: "dist/esm/components/tokenStore.js",
    // The modules of server functions the client code imports.
    server: /^(\.\.\/)+actions\.js$/,
    serverExports: ["getAuthAction", "getAccessTokenAction", "refreshAccessTokenAction", "checkSessionAction", "handleSignOutAction", "refreshAuthAction", "switchToOrganizationAction", "getOrganizationAction"],
    // refreshAccessTokenAction answers `{ accessToken }`, and a failure on the
    // server as data, `{ accessToken: undefined, error }`, which the store
    // rethrows (4.3.2 src/actions.ts l.104-121, src/components/tokenStore.ts
    // l.5-10).
    refreshAnswersAsData: true,
    // The client code imports dist/esm/utils.js (useRecentAuth's
    // evaluateRecentAuth), which imports NextResponse for the server's
    // redirects; nothing the client runs calls it, and the module falls back
    // when it is absent (utils.js l.10-24). `next` is not installed here.
    stubs: { "next/server": "export const NextResponse = undefined;" },
  },
  "fixes/tanstack-start": {
    fix: "tanstack-start/useAuthFromWorkOS.tsx",
    hook: "useAuthFromWorkOS",
    dir: path.join(fixes, "node_modules", "@workos", "authkit-tanstack-react-start"),
    provider: "@workos/authkit-tanstack-react-start/client",
    tokenStore: "dist/client/tokenStore.js",
    server: /^(\.\.\/)+server\/(actions|server-functions)\.js$/,
    serverExports: ["getAuthAction", "getAccessTokenAction", "refreshAccessTokenAction", "checkSessionAction", "refreshAuthAction", "switchToOrganizationAction", "getOrganizationAction", "getSignOutUrl"],
  },
};

export const SERVER_ACTION_HOOKS = Object.keys(SDKS);

function setGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: true });
}

// An event target's listeners, enough for the SDKs' own: add, remove, and the
// driver's dispatch.
function eventTarget() {
  const listeners = new Map();
  return {
    addEventListener(type, fn) {
      if (!listeners.has(type)) listeners.set(type, new Set());
      listeners.get(type).add(fn);
    },
    removeEventListener(type, fn) {
      listeners.get(type)?.delete(fn);
    },
    dispatch(type) {
      for (const fn of [...(listeners.get(type) ?? [])]) fn({ type });
    },
  };
}

// Installs the globals and the scripted server functions. `onRequest(req)` reports
// each request. The session is user_A's (`answerAuth(true)`) or none.
export function installServerActions({ onRequest, code }) {
  const asData = SDKS[code]?.refreshAnswersAsData ?? false;
  const origin = "http://localhost:3000";
  const location = { href: `${origin}/`, origin, protocol: "http:", hostname: "localhost", pathname: "/", reload() {} };
  const document = Object.assign(eventTarget(), { cookie: "", hidden: false, visibilityState: "visible" });
  const window = Object.assign(eventTarget(), { origin, location, document });
  setGlobal("window", window);
  setGlobal("location", location);
  setGlobal("document", document);

  const auth = requestQueue((req) => onRequest({ action: "getAuthAction", ...req }));
  const tokens = requestQueue(onRequest);
  globalThis.__scriptedServerActions = {
    getAuthAction: () => auth.add({}),
    getAccessTokenAction: () => tokens.add({ action: "getAccessTokenAction" }),
    refreshAccessTokenAction: asData
      ? () =>
          tokens.add({ action: "refreshAccessTokenAction" }).then(
            (accessToken) => ({ accessToken }),
            (error) => {
              // A request that never reached the server still rejects.
              if (error instanceof TypeError) throw error;
              return { accessToken: undefined, error: "Failed to refresh access token" };
            },
          )
      : () => tokens.add({ action: "refreshAccessTokenAction" }),
    // The server keeps the session: the check after a wake says so.
    checkSessionAction: async () => true,
  };
  return {
    // The tab becomes visible: visibilitychange fires at the document and
    // bubbles to the window.
    show() {
      document.hidden = false;
      document.visibilityState = "visible";
      document.dispatch("visibilitychange");
      window.dispatch("visibilitychange");
    },
    // Answers the page's getAuthAction: user_A's session, or none.
    answerAuth(signedIn) {
      return auth.settleOldest((resolve) =>
        resolve(
          signedIn
            ? { user: { object: "user", id: "user_A", email: "a@example.com" }, sessionId: "session_A", organizationId: undefined }
            : { user: null },
        ),
      );
    },
    // Answers the oldest token request (getAccessTokenAction or
    // refreshAccessTokenAction) with this access token (a JWT).
    answer(accessToken) {
      return tokens.settleOldest((resolve) => resolve(accessToken));
    },
    // The oldest token request fails with `kind`. The browser reaches only the
    // app's server, which asks WorkOS: a network error rejects the call as a
    // failed fetch does; WorkOS's failures reach the browser as the server
    // answers them, rejecting ("Failed to refresh session"), or, where
    // `noUser`, answering no user (TanStack Start's middleware swallows a failed
    // refresh of an expired access token).
    fail({ kind, noUser }) {
      return tokens.settleOldest((resolve, reject) => {
        if (noUser) return resolve(undefined);
        if (kind === "network-error" || kind === "offline") return reject(new TypeError("Failed to fetch"));
        return reject(new Error(`Failed to refresh session: WorkOS answered ${kind}`));
      });
    },
  };
}

// `code` ("fixes/authkit-nextjs" or "fixes/tanstack-start"): the hook, the SDK's
// provider and its token store, bundled once per process and convex package into
// .build/fixes-<integration>[-<package>].mjs. react and convex stay imports, the
// driver's own copies: convex is the run's `convexPackage` ("convex", 1.49.0, or
// "convex-1.49.0-proposal"), so that the hook reaches the client it renders
// under. The token store is a module singleton, as in a page: it is emptied
// before each run.
export async function loadServerActionSdk(code, convexPackage = "convex", hook = null) {
  const sdk = SDKS[code];
  if (!sdk) throw new Error(`adapterCode ${code}: not one of ${SERVER_ACTION_HOOKS.join(", ")}`);
  if (!fs.existsSync(path.join(sdk.dir, "package.json"))) {
    throw new Error(`${sdk.provider} is not installed in fixes/: run \`npm ci --prefix fixes\``);
  }
  const suffix = convexPackage === "convex" ? "" : `-${convexPackage}`;
  const name = hook
    ? bundleName(`fixes-hook-${sdk.fix.split("/")[0]}${suffix}`, hook.file)
    : `fixes-${sdk.fix.split("/")[0]}${suffix}`;
  const mod = await importBuilt(name, (out) => bundle(sdk, convexPackage, out, hook));
  mod.tokenStore.reset();
  if (!hook) return { AuthKitProvider: mod.AuthKitProvider, useAuth: mod[sdk.hook] };
  const picked = pickExport(mod.userModule, hook.file, hook.export);
  return { AuthKitProvider: mod.AuthKitProvider, useAuth: mod.sdkUseAuth, picked };
}

// Writes the bundle of `sdk`'s hook, provider and token store to `out`; with
// `hook`, the user's file in place of the recommended hook (its exports as
// `userModule`, the SDK's useAuth as `sdkUseAuth`).
async function bundle(sdk, convexPackage, out, hook = null) {
  const esbuild = await import("esbuild");
  const userFile = hook ? path.resolve(hook.file) : null;
  const entry = [
    hook
      ? `export * as userModule from ${JSON.stringify(userFile)};\nexport { useAuth as sdkUseAuth } from ${JSON.stringify(sdk.provider)};`
      : `export { ${sdk.hook} } from ${JSON.stringify(path.join(fixes, sdk.fix))};`,
    `export { AuthKitProvider } from ${JSON.stringify(sdk.provider)};`,
    `export { tokenStore } from ${JSON.stringify(path.join(sdk.dir, sdk.tokenStore))};`,
  ].join("\n");
  // The SDK's server functions, as the driver answers them; convex imports go to
  // the run's convex package.
  const scripted = {
    name: "scripted-server-functions",
    setup(build) {
      // The user's file's own convex/react is the harness's stand-in
      // (./user-hook.mjs); every other convex import the run's package.
      if (hook) {
        const fromUser = (importer) => !importer.includes("node_modules");
        convexForUserFile(convexPackage, fromUser).setup(build);
        pinnedPackagesForUserFile(fromUser).setup(build);
      }
      build.onResolve({ filter: /^convex(\/|$)/ }, (args) => ({
        path: args.path.replace(/^convex/, convexPackage),
        external: true,
      }));
      build.onResolve({ filter: sdk.server }, (args) =>
        args.importer.startsWith(sdk.dir) ? { path: "server-functions", namespace: "scripted" } : undefined,
      );
      for (const name of Object.keys(sdk.stubs ?? {})) {
        build.onResolve({ filter: new RegExp(`^${name}$`) }, () => ({ path: name, namespace: "stub" }));
      }
      build.onLoad({ filter: /.*/, namespace: "stub" }, (args) => ({ contents: sdk.stubs[args.path], loader: "js" }));
      build.onLoad({ filter: /.*/, namespace: "scripted" }, () => ({
        contents: sdk.serverExports
          .map((name) => `export const ${name} = (...args) => globalThis.__scriptedServerActions.${name}(...args);`)
          .join("\n"),
        loader: "js",
      }));
    },
  };
  try {
    await esbuild.build({
      ...(hook ? USER_FILE_OPTIONS : {}),
      stdin: { contents: entry, resolveDir: fixes, loader: "js", sourcefile: "server-action-sdk-entry.js" },
      bundle: true,
      format: "esm",
      platform: "browser",
      jsx: "automatic",
      external: ["react", "react/*", "react-dom"],
      plugins: [scripted],
      outfile: out,
      logLevel: "silent",
      // Function names stay: the driver labels timers by the stack (scheduleRefresh).
      keepNames: true,
    });
  } catch (e) {
    throw new Error(buildError(e));
  }
}

// <AuthKitProvider><ConvexProviderWithAuth client useAuth={hook}>…, as each
// template composes them, with the driver's client.
// With a user's file (`sdk.picked`), the file's provider component under the
// SDK's provider, or ConvexProviderWithAuth over the file's hook.
export function serverActionElement(React, sdk, client, children) {
  const inner = sdk.picked
    ? React.createElement(providerOf(React, sdk.picked, sdk.ConvexProviderWithAuth), { client, useAuth: sdk.useAuth }, ...children)
    : React.createElement(sdk.ConvexProviderWithAuth, { client, useAuth: sdk.useAuth }, ...children);
  return React.createElement(sdk.AuthKitProvider, {}, inner);
}
