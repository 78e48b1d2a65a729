// Pieces the real IdP SDKs' harness modules share (workos.mjs, convex-auth.mjs,
// authkit-server-actions.mjs, the Better Auth mode of driver.mjs): Web Locks, a
// JSON response, a queue of requests that wait for the driver, and the compiled
// fixes/ files under .build/.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

// navigator.locks.request(name, [options], callback): one holder per name, in order
// (the browser's exclusive mode).
export function exclusiveLocks() {
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

// The fields of a fetch Response that the SDKs read; `headers` besides its
// content type (lower-case names).
export function jsonResponse(status, body, headers = {}) {
  const text = JSON.stringify(body);
  const all = { "content-type": "application/json", ...headers };
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (h) => all[h.toLowerCase()] ?? null },
    json: async () => body,
    text: async () => text,
  };
}

// An IdP's failed answer of `kind` (the model's `faults.failure_kind`), at the
// HTTP boundary: `reject` with the TypeError a failed fetch rejects with
// (`message`: the text of the runtime the SDK is written for), or `resolve` with
// a Response carrying the status and a JSON error body (`error` and
// `error_description`, as WorkOS's and OAuth's are). A kind no request can fail
// with (lock-timeout: the wait comes before the request) throws.
export function failedAnswer(kind, resolve, reject, message = "Failed to fetch") {
  switch (kind) {
    case "network-error":
    case "offline":
      return reject(new TypeError(message));
    case "http-5xx":
      return resolve(jsonResponse(503, { error: "server_error", error_description: "Service Unavailable" }));
    case "http-429":
      return resolve(
        jsonResponse(429, { error: "rate_limit_exceeded", error_description: "Too Many Requests" }, { "retry-after": "5" }),
      );
    case "http-408":
      return resolve(jsonResponse(408, { error: "request_timeout", error_description: "Request Timeout" }));
    default:
      throw new Error(`idpFail: no request fails with ${kind}`);
  }
}

// While the failure's kind is "offline", the browser says so (`navigator.onLine`
// false) until the next answer.
export function setOnline(kind) {
  if (globalThis.navigator) globalThis.navigator.onLine = kind !== "offline";
}

// Requests in flight, oldest first: `add(info)` returns the promise the SDK awaits
// and reports `info` with its id; `settleOldest(how)` settles the oldest one still
// in flight with `how(resolve, reject)`, or returns false when none is.
export function requestQueue(onRequest) {
  const requests = [];
  return {
    add(info) {
      return new Promise((resolve, reject) => {
        const id = requests.length;
        requests.push({ settled: false, resolve, reject });
        onRequest({ id, ...info });
      });
    },
    settleOldest(how) {
      const r = requests.find((q) => !q.settled);
      if (!r) return false;
      r.settled = true;
      how(r.resolve, r.reject);
      return true;
    },
  };
}

// The module .build/<name>.mjs, which `write(file)` writes (esbuild's output of a
// fixes/ file), written once per process and imported. The driver labels the
// timers its code sets by this folder ("hook.retry"); .build/ holds only what
// this function writes. Drivers run side by side: each writes its own file and
// renames it in place.
const built = new Map();
export function importBuilt(name, write) {
  if (!built.has(name)) {
    const out = path.join(path.dirname(fileURLToPath(import.meta.url)), ".build", `${name}.mjs`);
    const tmp = `${out}.${process.pid}.tmp`;
    fs.mkdirSync(path.dirname(out), { recursive: true });
    built.set(
      name,
      Promise.resolve(write(tmp)).then(() => {
        fs.renameSync(tmp, out);
        return import(pathToFileURL(out).href);
      }),
    );
  }
  return built.get(name);
}
