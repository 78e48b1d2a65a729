// The real `@convex-dev/workos` 0.0.3 (`ConvexProviderWithAuthKit`) over the real
// `@workos-inc/authkit-react` 0.16.1 / `@workos-inc/authkit-js` 0.20.0, and this
// project's recommended ConvexProviderWithAuthKit (../fixes/workos/) over the
// authkit-react 0.16.2 / authkit-js 0.20.3 that ../fixes/package.json pins, in plain
// Node: the few browser globals authkit-js reads, and the WorkOS HTTP API as a
// scripted `fetch` whose every request waits for the driver to answer it.
//
// Versions: 0.16.1 is what @convex-dev/workos 0.0.3 resolves to in its own
// monorepo lockfile (get-convex/convex-backend `npm-packages/pnpm-lock.yaml`), and
// it pins authkit-js 0.20.0 exactly; conformance/package.json pins both. The
// recommended hook needs authkit-js 0.20.2 or later (0.20.0 wipes the session on
// a WorkOS 5xx): its replays bundle authkit-react and authkit-js from
// ../fixes/node_modules into .build/authkit-react-fixes.mjs (`npm ci --prefix fixes`).
//
// Globals (and the authkit-js code that reads them, `src/create-client.ts`,
// `src/utils/session-data.ts`):
//   window    .origin (the default redirectUri), .location (the sign-in callback
//             check), .localStorage (devMode keeps the refresh token there),
//             .sessionStorage, .history. No addEventListener: convex's
//             WebSocketManager listens for "online" when window has one, and the
//             other replays run without.
//   document  .cookie, .hidden (the default onBeforeAutoRefresh is !document.hidden)
//   localStorage, sessionStorage, navigator.locks (authkit-js serialises refreshes
//             with a lock; without navigator.locks it falls back to a lock that polls
//             localStorage on timers)
//   fetch     POST https://api.workos.com/user_management/authenticate

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import {
  bundleName,
  buildError,
  convexForUserFile,
  pickExport,
  pinnedPackagesForUserFile,
  providerOf,
  USER_FILE_OPTIONS,
} from "./user-hook.mjs";
import { exclusiveLocks, failedAnswer, importBuilt, jsonResponse, requestQueue, setOnline } from "./fake-browser.mjs";

export const CLIENT_ID = "client_replay";
const REFRESH_TOKEN_KEY = `workos:refresh-token:${CLIENT_ID}`;

function memoryStorage(initial = {}) {
  const m = new Map(Object.entries(initial));
  return {
    getItem: (k) => (m.has(k) ? m.get(k) : null),
    setItem: (k, v) => void m.set(k, String(v)),
    removeItem: (k) => void m.delete(k),
    clear: () => m.clear(),
    key: (i) => [...m.keys()][i] ?? null,
    get length() {
      return m.size;
    },
  };
}

function setGlobal(name, value) {
  Object.defineProperty(globalThis, name, { value, configurable: true, writable: true, enumerable: true });
}

// Installs the globals and the scripted fetch. `signedIn`: devMode's refresh token
// is in localStorage, so createClient refreshes the session at load; otherwise it
// loads with no user and asks nothing. `onRequest(req)` reports each request.
export function installWorkos({ signedIn, onRequest }) {
  const origin = "http://localhost:3000";
  const local = memoryStorage(signedIn ? { [REFRESH_TOKEN_KEY]: "rt_0" } : {});
  const session = memoryStorage();
  const location = { href: `${origin}/`, origin, hostname: "localhost", pathname: "/", search: "", hash: "" };
  location.toString = () => location.href;
  const document = { cookie: "", hidden: false, visibilityState: "visible" };
  setGlobal("window", { origin, location, localStorage: local, sessionStorage: session, history: { replaceState() {} }, document });
  setGlobal("location", location);
  setGlobal("document", document);
  setGlobal("localStorage", local);
  setGlobal("sessionStorage", session);
  setGlobal("navigator", { userAgent: "convex-auth-model replay", locks: exclusiveLocks(), onLine: true });

  const queue = requestQueue(onRequest);
  globalThis.fetch = (input, init = {}) => {
    const url = new URL(String(input));
    const body = typeof init.body === "string" ? JSON.parse(init.body) : null;
    return queue.add({ path: url.pathname, grant: body?.grant_type ?? null, refreshToken: body?.refresh_token ?? null });
  };
  let rotation = 0;
  return {
    document,
    // Answers the oldest request in flight with this access token (a JWT) and a new
    // refresh token; false when none is in flight.
    answer(accessToken) {
      setOnline("network-error");
      return queue.settleOldest((resolve) => {
        rotation += 1;
        resolve(
          jsonResponse(200, {
            user: {
              object: "user",
              id: "user_A",
              email: "a@example.com",
              email_verified: true,
              first_name: "A",
              last_name: "User",
              profile_picture_url: null,
              last_sign_in_at: "2024-01-01T00:00:00.000Z",
              external_id: null,
              created_at: "2024-01-01T00:00:00.000Z",
              updated_at: "2024-01-01T00:00:00.000Z",
            },
            access_token: accessToken,
            refresh_token: `rt_${rotation}`,
            authentication_method: "Password",
          }),
        );
      });
    },
    // The oldest request in flight fails with `kind`, at WorkOS's HTTP boundary
    // (authkit-js reads neither navigator.onLine nor Retry-After). A session
    // ended at WorkOS is a refused grant: OAuth's 400 `invalid_grant` for a
    // revoked or expired refresh token (RFC 6749 §5.2), which authkit-js 0.20.x
    // does not count as transient (src/http-client.ts, `isTransient`).
    fail({ kind }) {
      setOnline(kind);
      return queue.settleOldest((resolve, reject) =>
        kind === "session-ended"
          ? resolve(jsonResponse(400, { error: "invalid_grant", error_description: "Session has ended." }))
          : failedAnswer(kind, resolve, reject, "fetch failed"),
      );
    },
  };
}

// authkit-js keeps the session (user, access token, expiry) in module memory that
// every client shares, and authkit-react never disposes its client: in a driver
// that runs many scripts, one run's session would still be there at the next
// one's load. A client of our own, disposed at once, empties that memory
// (authkit-js `Client.dispose` resets it). Installs signed-out globals to do so:
// install the run's own after.
export async function forgetWorkosSession(adapterCode) {
  installWorkos({ signedIn: false, onRequest: () => {} });
  const { createClient } = adapterCode === FIXED_WORKOS ? await importFixesAuthkit() : await import("@workos-inc/authkit-js");
  const client = await createClient(CLIENT_ID, { devMode: true });
  client.dispose();
}

// `adapterCode`: "@convex-dev/workos@0.0.3" (the package's ConvexProviderWithAuthKit,
// over the harness's authkit-react 0.16.1) or "fixes/workos" (this project's
// recommended one, ../fixes/workos/, over the authkit-react that fixes/ pins:
// the hook compiled from its TSX into .build/fixes-workos.mjs, its import of
// authkit-react pointed at .build/authkit-react-fixes.mjs).
//
// `hook` (with "fixes/workos"): the user's own file instead of the recommended
// one (./user-hook.mjs), its ConvexProviderWithAuthKit the file's provider, or
// ConvexProviderWithAuth over the file's hook.
export async function loadWorkos(adapterCode, hook = null, React = null, ConvexProviderWithAuth = null) {
  if (adapterCode === FIXED_WORKOS && hook) {
    const authkitReact = await importFixesAuthkit();
    const picked = await importUserHook(hook);
    return {
      AuthKitProvider: authkitReact.AuthKitProvider,
      useAuth: authkitReact.useAuth,
      ConvexProviderWithAuthKit: providerOf(React, picked, ConvexProviderWithAuth),
    };
  }
  if (adapterCode === FIXED_WORKOS) {
    const authkitReact = await importFixesAuthkit();
    const convexWorkos = await importFix("workos/ConvexProviderWithAuthKit.tsx");
    return {
      AuthKitProvider: authkitReact.AuthKitProvider,
      useAuth: authkitReact.useAuth,
      ConvexProviderWithAuthKit: convexWorkos.ConvexProviderWithAuthKit,
    };
  }
  const authkitReact = await import("@workos-inc/authkit-react");
  const convexWorkos = await import("@convex-dev/workos");
  return {
    AuthKitProvider: authkitReact.AuthKitProvider,
    useAuth: authkitReact.useAuth,
    ConvexProviderWithAuthKit: convexWorkos.ConvexProviderWithAuthKit,
  };
}

export const FIXED_WORKOS = "fixes/workos";

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXES_AUTHKIT_BUNDLE = path.join(here, ".build", "authkit-react-fixes.mjs");

// authkit-react and its authkit-js as ../fixes/node_modules has them, bundled
// once into .build/authkit-react-fixes.mjs (react stays the harness's import).
// The file's name holds "authkit-react", which labels its timers (driver.mjs
// timerLabel), as the harness's own copy's path does.
function importFixesAuthkit() {
  return importBuilt("authkit-react-fixes", async (out) => {
    const fixes = path.join(here, "..", "fixes");
    if (!fs.existsSync(path.join(fixes, "node_modules", "@workos-inc", "authkit-react", "package.json"))) {
      throw new Error("@workos-inc/authkit-react is not installed in fixes/: run `npm ci --prefix fixes`");
    }
    const esbuild = await import("esbuild");
    await esbuild.build({
      stdin: {
        contents: [
          'export { AuthKitProvider, useAuth, LoginRequiredError } from "@workos-inc/authkit-react";',
          'export { createClient } from "@workos-inc/authkit-js";',
        ].join("\n"),
        resolveDir: fixes,
        loader: "js",
        sourcefile: "authkit-react-fixes-entry.js",
      },
      bundle: true,
      format: "esm",
      platform: "browser",
      external: ["react", "react/*", "react-dom"],
      outfile: out,
      logLevel: "silent",
      // Function names stay: the driver labels timers by the stack
      // (scheduleAutomaticRefresh).
      keepNames: true,
    });
  });
}

// Compiles one file of ../fixes (TSX) to .build/fixes-<dir>.mjs and imports it;
// its import of authkit-react goes to the bundle of fixes/' own
// (importFixesAuthkit).
function importFix(file) {
  return importBuilt(`fixes-${file.split("/")[0]}`, async (out) => {
    const esbuild = await import("esbuild");
    const source = fs.readFileSync(path.join(here, "..", "fixes", file), "utf8");
    const { code } = await esbuild.transform(source, { loader: "tsx", jsx: "automatic", format: "esm", sourcefile: file });
    const bundle = JSON.stringify(pathToFileURL(FIXES_AUTHKIT_BUNDLE).href);
    fs.writeFileSync(out, code.replaceAll('"@workos-inc/authkit-react"', bundle));
  });
}

// The user's file (`hook`: { file, export }) bundled over fixes/' authkit-react
// (its imports of authkit-react go to .build/authkit-react-fixes.mjs), and the
// export to render.
export async function importUserHook(hook, convexPackage = "convex") {
  await importFixesAuthkit();
  const file = path.resolve(hook.file);
  const mod = await importBuilt(bundleName("fixes-hook-authkit-react", file), async (out) => {
    const esbuild = await import("esbuild");
    const authkit = {
      name: "authkit-react-of-fixes",
      setup(build) {
        build.onResolve({ filter: /^@workos-inc\/authkit-(react|js)$/ }, () => ({ path: FIXES_AUTHKIT_BUNDLE, external: true }));
      },
    };
    try {
      await esbuild.build({ ...USER_FILE_OPTIONS, entryPoints: [file], outfile: out, plugins: [authkit, convexForUserFile(convexPackage), pinnedPackagesForUserFile()] });
    } catch (e) {
      throw new Error(buildError(e));
    }
  });
  return pickExport(mod, hook.file, hook.export);
}

// <AuthKitProvider clientId devMode><ConvexProviderWithAuthKit client useAuth>…
export function workosElement(React, workos, client, children) {
  return React.createElement(
    workos.AuthKitProvider,
    { clientId: CLIENT_ID, devMode: true },
    React.createElement(workos.ConvexProviderWithAuthKit, { client, useAuth: workos.useAuth }, ...children),
  );
}
