// This project's recommended hook for the Convex Next.js template
// (../fixes/authkit-nextjs/ConvexClientProvider.tsx, `useAuthFromAuthKit`) over
// the real client side of `@workos-inc/authkit-nextjs` 2.11.1 (its
// `AuthKitProvider`, `useAuth`, `useAccessToken` and token store), in plain Node.
//
// The package's client components reach the server only through its Server
// Actions (`dist/esm/actions.js`: `getAuthAction`, `getAccessTokenAction`,
// `refreshAccessTokenAction`, `checkSessionAction`); in a browser each is a POST
// to the Next.js server. Here the components and the hook are bundled by esbuild
// with that one module replaced by requests the driver answers. Everything else
// (the token store's cache, expiry test, single-flight refresh and timers; the
// provider's user and loading state) is the package's own code.
//
// The package is the one the fixes are type-checked against (../fixes/package.json
// pins 2.11.1): it is installed there, not here, because its peer `next` is not
// needed to run its client components (`npm ci --prefix fixes`).
//
// Globals: document.cookie (the store reads its fast cookie at construction and
// on each call), document.visibilityState and add/removeEventListener on document
// and window (useAccessToken and AuthKitProvider listen for wake events; no
// replay dispatches one: the model does not have them, so worlds with a hidden
// tab are not replayed through this code).

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { requestQueue } from "./fake-browser.mjs";

export const FIXED_AUTHKIT_NEXTJS = "fixes/authkit-nextjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const fixes = path.join(here, "..", "fixes");
const sdkDir = path.join(fixes, "node_modules", "@workos-inc", "authkit-nextjs");

function setGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: true });
}

const noListeners = { addEventListener() {}, removeEventListener() {} };

// Installs the globals and the scripted Server Actions. `onRequest(req)` reports
// each request. The session is user_A's (`answerAuth(true)`) or none.
export function installAuthkitNextjs({ onRequest }) {
  const origin = "http://localhost:3000";
  const location = { href: `${origin}/`, origin, protocol: "http:", hostname: "localhost", pathname: "/", reload() {} };
  const document = { cookie: "", hidden: false, visibilityState: "visible", ...noListeners };
  setGlobal("window", { origin, location, document, ...noListeners });
  setGlobal("location", location);
  setGlobal("document", document);

  const auth = requestQueue((req) => onRequest({ action: "getAuthAction", ...req }));
  const tokens = requestQueue(onRequest);
  globalThis.__authkitNextjsActions = {
    getAuthAction: () => auth.add({}),
    getAccessTokenAction: () => tokens.add({ action: "getAccessTokenAction" }),
    refreshAccessTokenAction: () => tokens.add({ action: "refreshAccessTokenAction" }),
    // The middleware keeps the session: the check after a wake says so.
    checkSessionAction: async () => true,
  };
  return {
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
    // The oldest token request fails as a Server Action does when the network
    // or the server is down (fetch rejects).
    fail() {
      return tokens.settleOldest((_, reject) => reject(new TypeError("Failed to fetch")));
    },
  };
}

let bundled = null;

// The fixed hook and the package's provider and token store, bundled once per
// process into .build/fixes-authkit-nextjs.mjs (react and convex stay imports:
// the driver's own copies). The token store is a module singleton, as in a
// page: `reset()` empties it before each run.
export async function loadAuthkitNextjs() {
  if (!fs.existsSync(path.join(sdkDir, "package.json"))) {
    throw new Error("@workos-inc/authkit-nextjs is not installed in fixes/: run `npm ci --prefix fixes`");
  }
  bundled ??= bundle();
  const mod = await bundled;
  mod.tokenStore.reset();
  return { AuthKitProvider: mod.AuthKitProvider, useAuthFromAuthKit: mod.useAuthFromAuthKit };
}

async function bundle() {
  const esbuild = await import("esbuild");
  const entry = [
    `export { useAuthFromAuthKit } from ${JSON.stringify(path.join(fixes, "authkit-nextjs", "ConvexClientProvider.tsx"))};`,
    `export { AuthKitProvider } from "@workos-inc/authkit-nextjs/components";`,
    `export { tokenStore } from ${JSON.stringify(path.join(sdkDir, "dist", "esm", "components", "tokenStore.js"))};`,
  ].join("\n");
  // The package's Server Actions, as the driver answers them.
  const scriptedActions = {
    name: "scripted-server-actions",
    setup(build) {
      build.onResolve({ filter: /^\.\.\/actions\.js$/ }, (args) =>
        args.importer.startsWith(sdkDir) ? { path: "server-actions", namespace: "scripted" } : undefined,
      );
      build.onLoad({ filter: /.*/, namespace: "scripted" }, () => ({
        contents: ["getAuthAction", "getAccessTokenAction", "refreshAccessTokenAction", "checkSessionAction", "handleSignOutAction", "refreshAuthAction", "switchToOrganizationAction", "getOrganizationAction"]
          .map((name) => `export const ${name} = (...args) => globalThis.__authkitNextjsActions.${name}(...args);`)
          .join("\n"),
        loader: "js",
      }));
    },
  };
  const out = path.join(here, ".build", "fixes-authkit-nextjs.mjs");
  fs.mkdirSync(path.dirname(out), { recursive: true });
  // Drivers run side by side: each writes its own file and renames it in place.
  const tmp = `${out}.${process.pid}.tmp`;
  await esbuild.build({
    stdin: { contents: entry, resolveDir: fixes, loader: "js", sourcefile: "authkit-nextjs-entry.js" },
    bundle: true,
    format: "esm",
    platform: "browser",
    jsx: "automatic",
    external: ["react", "react/*", "react-dom", "convex", "convex/*"],
    plugins: [scriptedActions],
    outfile: tmp,
    logLevel: "silent",
    // Function names stay: the driver labels timers by the stack (scheduleRefresh).
    keepNames: true,
  });
  fs.renameSync(tmp, out);
  return import(pathToFileURL(out).href);
}

// <AuthKitProvider><ConvexProviderWithAuth client useAuth={useAuthFromAuthKit}>…
// as the fix's ConvexClientProvider composes them, with the driver's client.
export function authkitNextjsElement(React, sdk, client, children) {
  return React.createElement(
    sdk.AuthKitProvider,
    {},
    React.createElement(sdk.ConvexProviderWithAuth, { client, useAuth: sdk.useAuthFromAuthKit }, ...children),
  );
}
