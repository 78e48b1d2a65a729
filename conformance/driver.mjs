// Replays a convex-auth-model trace against the real, unmodified `convex` npm client.
//
//   node driver.mjs script.json   (or the script on stdin)
//
// The script: { tokens: {name: {iat, exp}} (seconds from the virtual epoch),
//   react: true, clientOptions: {...}, queries: n, mutation: bool,
//   manualCloseAck: true, steps: [{op, ...}] }.
// With react (the default) the client is a ConvexReactClient under
// ConvexProviderWithAuth, rendered with react-test-renderer, and the adapter's
// output is driven by `provider` / `signOut` steps; with react:false it is a bare
// BaseConvexClient driven by `setAuth` / `clearAuth` steps, and its onChange /
// onRefreshChange calls are reported. The driver controls the WebSocket (a fake class given as
// webSocketConstructor), every fetchAccessToken promise, and time (setTimeout,
// Date, performance.now; Math.random is fixed). After every step all microtasks
// settle. It prints one JSON document: [{step, op, events, state}] — what the client
// did during the step, and what it looks like after it.
//
// Steps: open, serverClose, closeAck, transition{from,to}, authError{...}, ping,
// mutationResponse, fetchResolve{fetch,token|null}, fetchReject{fetch}, fetchHang{fetch}
// (the promise never settles), advance{toMs}, fireAuthRefetch, fireReconnect,
// provider{isLoading,isAuthenticated,newFetcher}, signOut, setAuth, clearAuth.
//
// Timers fire only when a step says so (fireAuthRefetch, fireReconnect): the model
// decides when each timer fires; `advance` only moves the clock. The 60 s
// server-inactivity timer never fires (as if the server pinged).

import fs from "node:fs";

const realSetImmediate = globalThis.setImmediate;
const EPOCH_MS = 1_700_000_000_000;

// ---- virtual clock -------------------------------------------------------------
let now = 0;
let nextTimer = 1;
const timers = new Map();

function timerLabel() {
  const stack = new Error().stack ?? "";
  if (stack.includes("scheduleTokenRefetch")) return "authRefetch";
  if (stack.includes("scheduleReconnect")) return "reconnect";
  if (stack.includes("resetServerInactivityTimeout")) return "inactivity";
  return "other";
}

globalThis.setTimeout = (fn, ms = 0, ...args) => {
  const id = nextTimer++;
  timers.set(id, { fn, args, due: now + Math.max(0, Number(ms) || 0), label: timerLabel() });
  return id;
};
globalThis.clearTimeout = (id) => {
  timers.delete(id);
};
Date.now = () => EPOCH_MS + now;
globalThis.performance.now = () => now;
Math.random = () => 0.5;

function armedTimers() {
  return [...timers.values()]
    .filter((t) => t.label !== "inactivity")
    .map((t) => t.label)
    .sort();
}

// ---- observation ------------------------------------------------------------------
let events = [];
function emit(kind, data = {}) {
  events.push({ t: now, kind, ...data });
}

process.on("unhandledRejection", (reason) => {
  emit("unhandledRejection", { error: String(reason) });
});

// ---- tokens -------------------------------------------------------------------------
let tokens = {};
const b64url = (s) => Buffer.from(s).toString("base64url");
function jwt(name) {
  const t = tokens[name];
  if (!t) throw new Error(`unknown token ${name}`);
  const iat = EPOCH_MS / 1000 + t.iat;
  const exp = EPOCH_MS / 1000 + t.exp;
  return `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ sub: "user", name, iat, exp }))}.sig`;
}
const tokenByJwt = () => Object.fromEntries(Object.keys(tokens).map((n) => [jwt(n), n]));

// ---- fake WebSocket --------------------------------------------------------------------
const sockets = [];
let manualCloseAck = true;

class FakeWebSocket {
  constructor(url) {
    this.url = url;
    this.id = sockets.length;
    this.readyState = 0;
    this.clientClosed = false;
    this.serverClosed = false;
    this.querySetVersion = 0;
    sockets.push(this);
    emit("ws.new", { ws: this.id });
  }
  send(data) {
    const m = JSON.parse(data);
    if (m.type === "Authenticate") {
      const token = m.tokenType === "User" ? (tokenByJwt()[m.value] ?? "?") : null;
      emit("out", { ws: this.id, type: "Authenticate", baseVersion: m.baseVersion, token });
    } else if (m.type === "Mutation") {
      this.mutationRequestId = m.requestId;
      emit("out", { ws: this.id, type: "Mutation", requestId: m.requestId });
    } else if (m.type === "ModifyQuerySet") {
      this.querySetVersion = m.newVersion;
      emit("out", { ws: this.id, type: "ModifyQuerySet", baseVersion: m.baseVersion, newVersion: m.newVersion });
    } else {
      emit("out", { ws: this.id, type: m.type });
    }
  }
  close() {
    if (this.clientClosed || this.serverClosed) return;
    this.clientClosed = true;
    this.readyState = 2;
    emit("ws.clientClose", { ws: this.id });
    if (!manualCloseAck) queueMicrotask(() => this.finishClose(1000));
  }
  finishClose(code) {
    this.readyState = 3;
    this.onclose?.({ code, reason: "", wasClean: true });
  }
  deliver(message) {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}

const live = () => [...sockets].reverse().find((s) => !s.clientClosed && !s.serverClosed);

function encodeTs(n) {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString("base64");
}
function decodeLong(l) {
  return Number(BigInt.asUintN(64, (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0)));
}

// ---- the app ---------------------------------------------------------------------------
async function main() {
  const path = process.argv[2];
  const script = JSON.parse(path ? fs.readFileSync(path, "utf8") : fs.readFileSync(0, "utf8"));
  tokens = script.tokens ?? {};
  manualCloseAck = script.manualCloseAck ?? true;
  globalThis.IS_REACT_ACT_ENVIRONMENT = true;

  const reactMode = script.react ?? true;
  const React = (await import("react")).default;
  const { act, create } = (await import("react-test-renderer")).default;
  const { ConvexReactClient, ConvexProviderWithAuth, useConvexAuth, useQuery } = await import("convex/react");
  const { BaseConvexClient } = await import("convex/browser");
  const { makeFunctionReference } = await import("convex/server");

  const options = {
    webSocketConstructor: FakeWebSocket,
    unsavedChangesWarning: false,
    logger: {
      log: (...a) => emit("log", { msg: a.join(" ") }),
      warn: (...a) => emit("warn", { msg: a.join(" ") }),
      error: (...a) => emit("error", { msg: a.join(" ") }),
      logVerbose: () => {},
    },
    ...(script.clientOptions ?? {}),
  };
  const client = reactMode ? new ConvexReactClient("https://happy-otter-123.convex.cloud", options) : null;
  const base = reactMode ? client.sync : new BaseConvexClient("https://happy-otter-123.convex.cloud", () => {}, options);
  const am = base.authenticationManager;

  // fetchAccessToken: one function per adapter "generation"; every call waits for
  // the script to settle it.
  const pending = [];
  const fetchers = [];
  const fetcherFor = (gen) => {
    fetchers[gen] ??= ({ forceRefreshToken }) =>
      new Promise((resolve, reject) => {
        const fetch = pending.length;
        pending.push({ resolve, reject, settled: false });
        emit("fetchToken.call", { fetch, gen, forceRefreshToken });
      });
    return fetchers[gen];
  };

  let gen = 0;
  let adapter = { isLoading: false, isAuthenticated: true, fetchAccessToken: fetcherFor(0) };
  let setAdapter = null;
  let ui = null;

  const queries = Array.from({ length: script.queries ?? 1 }, (_, i) => makeFunctionReference(`app:query${i}`));
  const mutation = script.mutation ? makeFunctionReference("app:mutation") : null;
  function Queries() {
    const value = useConvexAuth();
    ui = { isLoading: value.isLoading, isAuthenticated: value.isAuthenticated, isRefreshing: value.isRefreshing };
    for (const q of queries) useQuery(q, {});
    React.useEffect(() => {
      if (mutation) {
        client.mutation(mutation, {}).then(
          () => emit("mutation.settled", {}),
          (e) => emit("mutation.failed", { error: String(e) }),
        );
      }
    }, []);
    return null;
  }
  function Root() {
    const [state, set] = React.useState(adapter);
    setAdapter = set;
    return React.createElement(ConvexProviderWithAuth, { client, useAuth: () => state }, React.createElement(Queries));
  }

  const settle = async () => {
    for (let i = 0; i < 3; i++) await new Promise((r) => realSetImmediate(r));
  };

  const snapshot = () => ({
    auth: am.authState.state,
    configVersion: am.configVersion,
    identityVersion: base.state.identityVersion,
    clientAuth: base.state.auth?.value ? (tokenByJwt()[base.state.auth.value] ?? "?") : null,
    socket: base.webSocketManager.socket.state,
    paused: base.webSocketManager.socket.paused ?? null,
    useConvexAuth: ui,
    pendingFetches: pending.flatMap((p, i) => (p.settled ? [] : [i])),
    timers: armedTimers(),
  });

  const out = [];
  let lastUi = null;
  const record = (step, op) => {
    if (JSON.stringify(ui) !== JSON.stringify(lastUi)) {
      emit("useConvexAuth", { ...ui });
      lastUi = ui;
    }
    out.push({ step, op, events, state: snapshot() });
    events = [];
  };

  let renderer;
  await act(async () => {
    if (reactMode) {
      renderer = create(React.createElement(Root));
    } else {
      const queryRefs = queries.map((q) => base.subscribe(`app:query${queries.indexOf(q)}`, {}));
      void queryRefs;
      if (mutation) base.mutation("app:mutation", {}).catch(() => {});
    }
    await settle();
  });
  record(-1, { op: "mount" });

  const fire = (label) => {
    const due = [...timers.entries()].filter(([, t]) => t.label === label).sort((a, b) => a[1].due - b[1].due);
    if (due.length === 0) {
      emit("timer.none", { timer: label });
      return;
    }
    const [id, t] = due[0];
    timers.delete(id);
    now = Math.max(now, t.due);
    emit("timer.fire", { timer: label });
    t.fn(...t.args);
  };

  const ops = {
    open() {
      const s = [...sockets].find((x) => x.readyState === 0 && !x.clientClosed);
      if (!s) return emit("driver.noSocket", { op: "open" });
      s.readyState = 1;
      s.onopen?.({});
    },
    serverClose(step) {
      const s = step.ws !== undefined ? sockets[step.ws] : live();
      if (!s || s.serverClosed) return emit("driver.noSocket", { op: "serverClose" });
      if (s.clientClosed) return emit("server.closeIgnored", { ws: s.id });
      s.serverClosed = true;
      s.finishClose(1011);
    },
    closeAck(step) {
      const s = step.ws !== undefined ? sockets[step.ws] : sockets.find((x) => x.clientClosed && x.readyState === 2);
      if (!s) return emit("driver.noSocket", { op: "closeAck" });
      emit("ws.closeAck", { ws: s.id });
      s.finishClose(1000);
    },
    transition(step) {
      const s = live();
      if (!s) return emit("driver.noSocket", { op: "transition" });
      const v = base.remoteQuerySet.version;
      const ts = decodeLong(v.ts);
      s.deliver({
        type: "Transition",
        startVersion: { querySet: v.querySet, ts: encodeTs(ts), identity: step.from ?? v.identity },
        endVersion: { querySet: s.querySetVersion, ts: encodeTs(ts + 1), identity: step.to },
        modifications: [],
      });
    },
    ping() {
      live()?.deliver({ type: "Ping" });
    },
    fetchHang(step) {
      emit("fetch.hangs", { fetch: step.fetch });
    },
    signOut() {
      ops.provider({ isAuthenticated: false });
    },
    setAuth() {
      const g = ++gen;
      base.setAuth(
        fetcherFor(g),
        (value) => emit("onChange", { gen: g, value }),
        (value) => emit("onRefreshChange", { gen: g, value }),
      );
    },
    clearAuth() {
      base.clearAuth();
    },
    mutationResponse() {
      const s = live();
      if (!s || s.mutationRequestId === undefined) return emit("driver.noSocket", { op: "mutationResponse" });
      s.deliver({
        type: "MutationResponse",
        requestId: s.mutationRequestId,
        success: true,
        result: null,
        ts: encodeTs(decodeLong(base.remoteQuerySet.version.ts) + 1),
        logLines: [],
      });
    },
    authError(step) {
      const s = live();
      if (!s) return emit("driver.noSocket", { op: "authError" });
      s.deliver({
        type: "AuthError",
        error: step.authUpdateAttempted ? "Authentication failed" : "Convex token identity expired",
        baseVersion: step.baseVersion,
        authUpdateAttempted: step.authUpdateAttempted,
      });
    },
    fetchResolve(step) {
      const p = pending[step.fetch];
      if (!p || p.settled) return emit("driver.noFetch", { fetch: step.fetch });
      p.settled = true;
      p.resolve(step.token === null ? null : jwt(step.token));
    },
    fetchReject(step) {
      const p = pending[step.fetch];
      if (!p || p.settled) return emit("driver.noFetch", { fetch: step.fetch });
      p.settled = true;
      p.reject(new Error(step.error ?? "refresh failed (transient)"));
    },
    advance(step) {
      now = Math.max(now, step.toMs);
    },
    fireAuthRefetch() {
      fire("authRefetch");
    },
    fireReconnect() {
      fire("reconnect");
    },
    provider(step) {
      if (!reactMode) return emit("driver.unknownOp", { op: "provider (needs react mode)" });
      if (step.newFetcher) gen += 1;
      adapter = {
        isLoading: step.isLoading ?? adapter.isLoading,
        isAuthenticated: step.isAuthenticated ?? adapter.isAuthenticated,
        fetchAccessToken: fetcherFor(gen),
      };
      emit("provider", { isLoading: adapter.isLoading, isAuthenticated: adapter.isAuthenticated, gen });
      setAdapter(adapter);
    },
  };

  for (const [i, step] of (script.steps ?? []).entries()) {
    const run = ops[step.op];
    await act(async () => {
      if (!run) {
        emit("driver.unknownOp", { op: step.op });
      } else {
        try {
          run(step);
        } catch (e) {
          emit("client.threw", { error: String(e?.message ?? e) });
        }
      }
      await settle();
    });
    record(i, step);
  }
  if (renderer) await act(async () => renderer.unmount());
  process.stdout.write(JSON.stringify(out) + "\n");
  process.exit(0);
}

main().catch((e) => {
  process.stderr.write(`driver failed: ${e?.stack ?? e}\n`);
  process.exit(3);
});
