// The real `@convex-dev/workos` 0.0.3 (`ConvexProviderWithAuthKit`) over the real
// `@workos-inc/authkit-react` 0.16.1 / `@workos-inc/authkit-js` 0.20.0, in plain Node:
// the few browser globals authkit-js reads, and the WorkOS HTTP API as a scripted
// `fetch` whose every request waits for the driver to answer it.
//
// Versions: 0.16.1 is what @convex-dev/workos 0.0.3 resolves to in its own
// monorepo lockfile (get-convex/convex-backend `npm-packages/pnpm-lock.yaml`), and
// it pins authkit-js 0.20.0 exactly; conformance/package.json pins both.
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
import { fileURLToPath } from "node:url";
import { exclusiveLocks, importBuilt, jsonResponse, requestQueue } from "./fake-browser.mjs";

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
  setGlobal("navigator", { userAgent: "convex-auth-model replay", locks: exclusiveLocks() });

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
    // The oldest request in flight fails as a network error does (fetch rejects).
    fail() {
      return queue.settleOldest((_, reject) => reject(new TypeError("fetch failed")));
    },
  };
}

// authkit-js keeps the session (user, access token, expiry) in module memory that
// every client shares, and authkit-react never disposes its client: in a driver
// that runs many scripts, one run's session would still be there at the next
// one's load. A client of our own, disposed at once, empties that memory
// (authkit-js `Client.dispose` resets it). Installs signed-out globals to do so:
// install the run's own after.
export async function forgetWorkosSession() {
  installWorkos({ signedIn: false, onRequest: () => {} });
  const { createClient } = await import("@workos-inc/authkit-js");
  const client = await createClient(CLIENT_ID, { devMode: true });
  client.dispose();
}

// `adapterCode`: "@convex-dev/workos@0.0.3" (the package's ConvexProviderWithAuthKit)
// or "fixes/workos" (this project's recommended one, ../fixes/workos/, compiled
// from its TSX by esbuild into .build/ so that its imports resolve here).
export async function loadWorkos(adapterCode) {
  const authkitReact = await import("@workos-inc/authkit-react");
  const convexWorkos = adapterCode === FIXED_WORKOS ? await importFix("workos/ConvexProviderWithAuthKit.tsx") : await import("@convex-dev/workos");
  return {
    AuthKitProvider: authkitReact.AuthKitProvider,
    useAuth: authkitReact.useAuth,
    ConvexProviderWithAuthKit: convexWorkos.ConvexProviderWithAuthKit,
  };
}

export const FIXED_WORKOS = "fixes/workos";

// Compiles one file of ../fixes (TSX) to .build/fixes-<dir>.mjs and imports it.
function importFix(file) {
  return importBuilt(`fixes-${file.split("/")[0]}`, async (out) => {
    const esbuild = await import("esbuild");
    const here = path.dirname(fileURLToPath(import.meta.url));
    const source = fs.readFileSync(path.join(here, "..", "fixes", file), "utf8");
    const { code } = await esbuild.transform(source, { loader: "tsx", jsx: "automatic", format: "esm", sourcefile: file });
    fs.writeFileSync(out, code);
  });
}

// <AuthKitProvider clientId devMode><ConvexProviderWithAuthKit client useAuth>…
export function workosElement(React, workos, client, children) {
  return React.createElement(
    workos.AuthKitProvider,
    { clientId: CLIENT_ID, devMode: true },
    React.createElement(workos.ConvexProviderWithAuthKit, { client, useAuth: workos.useAuth }, ...children),
  );
}
