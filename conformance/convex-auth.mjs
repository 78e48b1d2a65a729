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

export function storageKey(name, address) {
  return `${name}_${address.replace(/[^a-zA-Z0-9]/g, "")}`;
}

function exclusiveLocks() {
  const tails = new Map();
  return {
    request(name, optionsOrCallback, maybeCallback) {
      const callback = typeof optionsOrCallback === "function" ? optionsOrCallback : maybeCallback;
      const run = (tails.get(name) ?? Promise.resolve()).then(() => callback({ name, mode: "exclusive" }));
      tails.set(
        name,
        run.then(
          () => {},
          () => {},
        ),
      );
      return run;
    },
    query: async () => ({ held: [], pending: [] }),
  };
}

function response(status, body) {
  const text = JSON.stringify(body);
  return { ok: status >= 200 && status < 300, status, headers: new Map([["content-type", "application/json"]]), text: async () => text, json: async () => body };
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

  const requests = [];
  globalThis.fetch = (url, init = {}) =>
    new Promise((resolve, reject) => {
      const body = init.body ? JSON.parse(init.body) : null;
      const req = { id: requests.length, settled: false, resolve, reject };
      requests.push(req);
      onRequest({ id: req.id, url: String(url), path: body?.path ?? null, refreshToken: body?.args?.[0]?.refreshToken ?? null });
    });
  const oldest = () => requests.find((r) => !r.settled);
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
      const r = oldest();
      if (!r) return false;
      r.settled = true;
      rotation += 1;
      r.resolve(response(200, { status: "success", value: { tokens: { token: jwt, refreshToken: `rt_${rotation}` } }, logLines: [] }));
      return true;
    },
    // The oldest request in flight fails as a network error does.
    fail() {
      const r = oldest();
      if (!r) return false;
      r.settled = true;
      r.reject(new TypeError("fetch failed"));
      return true;
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
