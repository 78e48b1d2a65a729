// The real `ConvexAuthProvider` of `@convex-dev/auth` 0.0.95 (`@convex-dev/auth/react`,
// `dist/react/client.js`) in plain Node, over a scripted backend: its storage and its
// refresh requests wait for the driver.
//
// What the package reads outside React (dist/react/client.js):
//   window    must be declared (`window?.navigator?.locks`, `typeof
//             window?.location?.search` throw on an undeclared name); an EventTarget
//             with navigator.locks (the refresh lock; without it the package falls
//             back to its own queue) and no location (no OAuth code to exchange).
//   storage   the `storage` prop: every read waits until the driver loads the page
//             (so "loading until storage is read" is a step of its own), then
//             answers at once; writes are immediate.
//   fetch     the refresh is `new ConvexHttpClient(address).action("auth:signIn",
//             {refreshToken})`: POST <deployment>/api/action, which waits for the
//             driver to answer (new tokens) or fail (a network error, which the
//             package retries once after RETRY_BACKOFF[0] + 100·Math.random() ms).
//
// Storage keys: `<name>_<namespace>`, the namespace being the client's address with
// every character but [a-zA-Z0-9] removed (dist/react/client.js, useNamespacedStorage).

import { exclusiveLocks, failedAnswer, jsonResponse, requestQueue } from "./fake-browser.mjs";

export function storageKey(name, address) {
  return `${name}_${address.replace(/[^a-zA-Z0-9]/g, "")}`;
}

// Installs `window` and the scripted fetch; returns the storage prop and the
// driver's handles. `onRequest(req)` reports each backend request.
export function installConvexAuth({ address, onRequest }) {
  const win = new EventTarget();
  win.navigator = { locks: exclusiveLocks() };
  Object.defineProperty(globalThis, "window", { value: win, configurable: true, writable: true });

  const values = new Map();
  let loaded = false;
  const waitingReads = [];
  const storage = {
    getItem(key) {
      if (loaded) return values.get(key) ?? null;
      return new Promise((resolve) => waitingReads.push(() => resolve(values.get(key) ?? null)));
    },
    setItem(key, value) {
      values.set(key, String(value));
    },
    removeItem(key) {
      values.delete(key);
    },
  };

  const queue = requestQueue(onRequest);
  globalThis.fetch = (url, init = {}) => {
    const body = init.body ? JSON.parse(init.body) : null;
    return queue.add({ url: String(url), path: body?.path ?? null, refreshToken: body?.args?.[0]?.refreshToken ?? null });
  };
  let rotation = 0;
  return {
    storage,
    // The page's storage is read: with a session, it holds this JWT and a refresh token.
    load(jwt) {
      if (jwt !== null) {
        values.set(storageKey("__convexAuthJWT", address), jwt);
        values.set(storageKey("__convexAuthRefreshToken", address), "rt_0");
      }
      loaded = true;
      for (const read of waitingReads.splice(0)) read();
    },
    // The oldest request in flight gets new tokens; false when none is in flight.
    answer(jwt) {
      return queue.settleOldest((resolve) => {
        rotation += 1;
        resolve(jsonResponse(200, { status: "success", value: { tokens: { token: jwt, refreshToken: `rt_${rotation}` } }, logLines: [] }));
      });
    },
    // The oldest request in flight fails with `kind`, at the deployment's HTTP
    // boundary: a rejected fetch ("fetch failed", which is-network-error knows),
    // or a status ConvexHttpClient turns into Error(body).
    fail({ kind }) {
      return queue.settleOldest((resolve, reject) => failedAnswer(kind, resolve, reject, "fetch failed"));
    },
  };
}

export async function loadConvexAuth() {
  const { ConvexAuthProvider } = await import("@convex-dev/auth/react");
  return { ConvexAuthProvider };
}

// <ConvexAuthProvider client storage>…
export function convexAuthElement(React, convexAuth, client, children) {
  return React.createElement(convexAuth.ConvexAuthProvider, { client, storage: convexAuth.api.storage }, ...children);
}
