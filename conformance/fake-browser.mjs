// Pieces the real IdP SDKs' harness modules share (workos.mjs, convex-auth.mjs, the
// Better Auth mode of driver.mjs): Web Locks, a JSON response, and a queue of
// requests that wait for the driver.

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

// The fields of a fetch Response that the SDKs read.
export function jsonResponse(status, body) {
  const text = JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    headers: { get: (h) => (h.toLowerCase() === "content-type" ? "application/json" : null) },
    json: async () => body,
    text: async () => text,
  };
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
