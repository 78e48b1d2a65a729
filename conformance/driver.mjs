// Replays a convex-auth-model trace against the real, unmodified `convex` npm client.
//
//   node driver.mjs script.json   (or the script on stdin)
//   node driver.mjs --batch       (one script per line on stdin, one result per
//                                  line on stdout: many runs in one process)
//
// The script and the observations follow driver-protocol.schema.json, generated
// from the Rust side's types (model/src/trace/replay/protocol.rs, which documents
// each field); protocol.mjs checks every script read and every observation
// printed against it.
// The script: { tokens: {name: {iat, exp, sub}} (seconds from the virtual epoch;
//   sub is the user), react: true, strictMode: false,
//   initialAdapter: {isLoading, isAuthenticated},
//   adapterCode: null | "convex/react-clerk@1.49.0" | "convex/react-auth0@1.49.0" |
//   "@convex-dev/workos@0.0.3" | "fixes/workos" | "fixes/authkit-nextjs" |
//   "fixes/tanstack-start" | "@convex-dev/auth@0.0.95" |
//   "@convex-dev/better-auth@0.12.5" (render the adapter's real code: convex's
//   ConvexProviderWithClerk over a fake Clerk useAuth, ConvexProviderWithAuth0 over
//   fakes/auth0-react's useAuth0, ConvexBetterAuthProvider over a fake Better Auth
//   client whose /convex/token requests wait for the driver,
//   ConvexProviderWithAuthKit over the real authkit-react and authkit-js with the
//   WorkOS API scripted (workos.mjs), the recommended Next.js or TanStack Start
//   hook over the real client side of its SDK with its server functions
//   scripted (authkit-server-actions.mjs), or the real ConvexAuthProvider with its
//   storage and backend scripted (convex-auth.mjs), instead of
//   ConvexProviderWithAuth over a fake adapter hook),
//   workosSession: bool (with the real AuthKit: whether devMode's refresh token is
//   stored), loadAtMount: step (with a real SDK, the load step of a page that comes
//   with its session, run during the mount),
//   clientOptions: {...}, queries: n, mutation: bool, preloadedQuery: bool (the
//   first query is usePreloadedQuery over a server-rendered payload),
//   manualCloseAck: true, convexPackage: "convex" (default, 1.49.0) | "convex-1.20.0" …
//   | "convex-1.49.0-proposal" (1.49.0 with this project's proposal applied,
//   patches/apply.mjs)
//   (an older release under its npm alias in package.json: every convex import of
//   the driver, the app and the convex/react-* adapters; not with the
//   @convex-dev/* adapters, which import convex 1.49.0 themselves),
//   scheduling: "act" (default) | "scheduler" (see below), holdPassiveEffects:
//   bool (with "scheduler": a commit's passive effects wait for a flushEffects
//   step), monitors: null | {properties, stormBound, mountEnv} (monitors.mjs: the
//   properties to watch on the real client; each step may carry `env`, the
//   model's facts of the world after it),
//   steps: [{op, ...}] }.
// Scheduling. With "act" every step runs inside React's act(), which runs all
// the work React scheduled (renders, commits, passive effects) when the step's
// scope ends, in one go and in the commit's task. With "scheduler" (what replays
// and fuzz use) there is no act(): React schedules its work on its scheduler as
// in a browser, and the driver runs the scheduler's tasks after each step (the
// scheduler's test build, installed in place of the real one). What act() hides,
// and "scheduler" shows: the passive effects of a commit running in a task of
// their own, after other events (holdPassiveEffects; React 19 runs them in the
// root's next task or first thing in its next render), and React's own order of
// its tasks. What both share: the driver runs React's tasks between the model's
// steps, so no event comes in the middle of a render.
// The state is reported in 1.49.0's terms on older releases too: useConvexAuth's
// isRefreshing is false before it existed (1.40), and the socket's states are
// renamed before 1.14. Options an older release ignores (expectAuth before 1.26,
// authRefreshTokenLeewaySeconds other than 2 before 1.17) are reported as
// driver.unsupportedOption at the mount.
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
// With a real IdP SDK, the driver answers the SDK's requests instead of fetches:
// idpAnswer{token, atMs} / idpFail{kind, noUser} (the oldest request in flight
// succeeds, or fails with that kind at the SDK's HTTP boundary); for AuthKit, workosLoad{token|null} (authkit-react's
// createClient runs; its session refresh is answered) and workosAutoRefresh{token}
// (authkit-js's 1 s refresh loop fires and its request is answered); for Convex
// Auth, convexAuthLoad{token|null} (the page's storage is read) and convexAuthRetry
// (the wait before its retry ends); for authkit-nextjs and
// authkit-tanstack-react-start, storeLoad{token|null} (the page's getAuthAction
// is answered, then with a session the token store's first request),
// storeTimer{token} (the store's timer fires and its request is answered) and
// storeWake{token} (the tab is shown, the stores' wake listener refreshes the due
// token, and its request is answered); for the recommended hooks (fixes/*),
// hookRetry{waits} (the hook's wait before it calls the SDK again ends, for that
// many fetches). Each step may carry idpNowMs, the moment the model's IdP has
// seen, which those token stores' expiry test reads. Its clock then moves 1 ms on
// with every step, so that each moment of a tick comes after the ones before it
// (authkit-js compares expiry times to Date.now() strictly).
// Steps: open, serverClose, closeAck, transition{from,to}, authError{...}, ping,
// mutationResponse, actionResponse, callMutation, callAction, mountQuery,
// unmountQuery, fetchResolve{fetch,token|null}, fetchReject{fetch}, fetchHang{fetch}
// (the promise never settles), advance{toMs}, fireAuthRefetch, fireReconnect,
// fireClearAuth (convex 1.14.0's provider's deferred clearAuth), flushEffects
// (React runs the passive effects it holds since their commit),
// provider{isLoading,isAuthenticated,newFetcher}, signOut, setAuth, clearAuth.
// Each op is one handler, named in the dispatch table `OPS` (the model's tests read
// that table to check every op a replay plan uses exists).
//
// Timers fire only when a step says so (fireAuthRefetch, fireReconnect): the model
// decides when each timer fires; `advance` only moves the clock. The 60 s
// server-inactivity timer never fires (as if the server pinged).

import fs from "node:fs";
import readline from "node:readline";
import { createRequire } from "node:module";
import { createMonitors } from "./monitors.mjs";
import { assertFollows } from "./protocol.mjs";

// React's scheduler, as the driver runs it. react-test-renderer (a concurrent
// root) hands every render and every flush of passive effects to the `scheduler`
// package as a task; in a browser those tasks run as macrotasks of their own. The
// driver installs the scheduler's own test build (scheduler/unstable_mock) in its
// place, before React loads: the same queue and priorities, but its tasks run
// when the driver says (`drainReact`), between the events the model orders.
// Under act() (scheduling "act") React bypasses the scheduler and runs its work
// when act's scope ends.
//
// Passive effects after paint (the script's holdPassiveEffects, the model's
// app.effects_after_paint): React 19 runs a commit's passive effects in the root's
// next scheduler task, or first thing when it renders again. To hold them, the
// driver runs React's tasks one at a time (each task asks for a paint when it
// ends, so flushUntilNextPaint stops after it) and stops once a commit has left
// effects pending and no update is waiting to render (React's devtools hook says
// when a commit happens and when its passive effects have run; an update outside
// React's own tasks schedules processRootScheduleInImmediateTask). The op
// flushEffects then runs them.
const require = createRequire(import.meta.url);
const Scheduler = require("scheduler/unstable_mock");
const react = { inTask: false, renderWanted: false, passivePending: false, commits: 0 };
const schedulerForReact = {
  ...Scheduler,
  unstable_scheduleCallback(priority, callback, options) {
    if (!react.inTask && callback.name === "processRootScheduleInImmediateTask") react.renderWanted = true;
    const task = (...args) => {
      react.inTask = true;
      try {
        return callback(...args);
      } finally {
        react.inTask = false;
        Scheduler.unstable_requestPaint();
      }
    };
    return Scheduler.unstable_scheduleCallback(priority, task, options);
  },
};
{
  const schedulerPath = createRequire(require.resolve("react-test-renderer")).resolve("scheduler");
  require.cache[schedulerPath] = { id: schedulerPath, filename: schedulerPath, loaded: true, exports: schedulerForReact, children: [], paths: [] };
}
globalThis.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
  isDisabled: false,
  supportsFiber: true,
  renderers: new Map(),
  inject: () => 1,
  checkDCE: () => {},
  onScheduleFiberRoot: () => {},
  onCommitFiberRoot: () => {
    react.commits += 1;
    react.passivePending = true;
  },
  onPostCommitFiberRoot: () => {
    react.passivePending = false;
  },
  onCommitFiberUnmount: () => {},
  setStrictMode: () => {},
};

const realSetImmediate = globalThis.setImmediate;
const EPOCH_MS = 1_700_000_000_000;

// ---- virtual clock -------------------------------------------------------------
let now = 0;
let nextTimer = 1;
const timers = new Map();

function timerLabel() {
  const stack = new Error().stack ?? "";
  // The proposal's retry after no token (patches/) is the same timer to the model.
  if (stack.includes("scheduleTokenRefetch") || stack.includes("reportAuthFailedAndRetry")) return "authRefetch";
  // The token store of authkit-nextjs or authkit-tanstack-react-start (bundled
  // with its fix, authkit-server-actions.mjs): the timer it arms for a token, and
  // its retry 5 minutes after a failure.
  if (stack.includes("scheduleRefresh")) return "tokenStore.refresh";
  // The recommended hooks' wait before a retry (../fixes/<integration>, compiled
  // to .build/fixes-<integration>.mjs).
  if (stack.includes("/.build/fixes-")) return "hook.retry";
  if (stack.includes("scheduleReconnect")) return "reconnect";
  if (stack.includes("resetServerInactivityTimeout")) return "inactivity";
  if (stack.includes("scheduleAutomaticRefresh")) return "authkit.autoRefresh";
  // convex 1.14.0's provider defers clearAuth: setTimeout(() => client.clearAuth(), 0).
  if (stack.includes("ConvexAuthState")) return "provider.clearAuth";
  if (stack.includes("authkit-react")) return "authkit.load";
  if (stack.includes("@convex-dev/auth")) return "convexAuth.retry";
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
// Milliseconds added to the clock, one per step, with the real AuthKit; and, while
// the driver answers a WorkOS request, the moment the model's SDK received that
// answer: authkit-js's setSessionData dates the token's expiry from Date.now(), and
// reads this moment instead (nothing else does).
let stepMs = 0;
let answeredAt = null;
// With the token store of authkit-nextjs or TanStack Start: the moment the
// model's IdP has seen when the step runs (the step's idpNowMs). The model's IdP
// sees the clock move in a step of its own, so the store's code may run "before"
// a tick the driver's clock has passed; its one reading of the clock,
// `parseToken`'s expiry test, reads this.
let idpNowMs = null;
Date.now = () => {
  if (answeredAt !== null && (new Error().stack ?? "").includes("setSessionData")) return EPOCH_MS + answeredAt;
  if (idpNowMs !== null && (new Error().stack ?? "").includes("parseToken")) return EPOCH_MS + idpNowMs + stepMs;
  return EPOCH_MS + now + stepMs;
};
globalThis.performance.now = () => now + stepMs;
Math.random = () => 0.5;

function armedTimers() {
  return [...timers.values()]
    .filter((t) => t.label !== "inactivity")
    .map((t) => t.label)
    .sort();
}

// ---- observation ------------------------------------------------------------------
let events = [];
// The property monitors of the run (monitors.mjs), when the script asks for them.
let monitors = null;
function emit(kind, data = {}) {
  const event = { t: now, kind, ...data };
  events.push(event);
  monitors?.event(event);
}

// Libraries that log (authkit-js logs a failed refresh) must not write into the
// JSON on stdout: what they log becomes an event.
for (const level of ["log", "info", "debug", "warn", "error"]) {
  console[level] = (...args) => emit("console", { level, msg: args.map(String).join(" ").slice(0, 300) });
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
  const sub = t.sub ?? "user";
  return `${b64url('{"alg":"none"}')}.${b64url(JSON.stringify({ sub, name, iat, exp }))}.sig`;
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
    // The queries this socket's server holds, by id, after the client's ModifyQuerySets.
    this.querySet = new Set();
    sockets.push(this);
    emit("ws.new", { ws: this.id });
  }
  send(data) {
    const m = JSON.parse(data);
    if (m.type === "Authenticate") {
      const token = m.tokenType === "User" ? (tokenByJwt()[m.value] ?? "?") : null;
      emit("out", { ws: this.id, type: "Authenticate", baseVersion: m.baseVersion, token, sub: tokens[token]?.sub ?? null });
    } else if (m.type === "Mutation") {
      this.mutationRequestId = m.requestId;
      emit("out", { ws: this.id, type: "Mutation", requestId: m.requestId });
    } else if (m.type === "Action") {
      this.actionRequestId = m.requestId;
      emit("out", { ws: this.id, type: "Action", requestId: m.requestId });
    } else if (m.type === "ModifyQuerySet") {
      this.querySetVersion = m.newVersion;
      for (const change of m.modifications ?? []) {
        if (change.type === "Add") this.querySet.add(change.queryId);
        else if (change.type === "Remove") this.querySet.delete(change.queryId);
      }
      emit("out", { ws: this.id, type: "ModifyQuerySet", baseVersion: m.baseVersion, newVersion: m.newVersion, queries: this.querySet.size });
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

// ---- the script ------------------------------------------------------------------------
function readScript() {
  const path = process.argv[2];
  return JSON.parse(path ? fs.readFileSync(path, "utf8") : fs.readFileSync(0, "utf8"));
}

async function loadLibraries(script) {
  const React = (await import("react")).default;
  const { act, create } = (await import("react-test-renderer")).default;
  // Which convex release: "convex" (1.49.0) or an npm alias of an older one
  // installed beside it ("convex-1.20.0": "npm:convex@1.20.0" in package.json).
  const convexPackage = script.convexPackage ?? "convex";
  if (!/^convex(-[0-9][\w.-]*)?$/.test(convexPackage)) throw new Error(`convexPackage ${convexPackage}: not convex or convex-<version>`);
  // The real SDKs' adapters import convex/react themselves and get 1.49.0: an
  // older release's hooks cannot see the provider they render.
  if (convexPackage !== "convex" && script.adapterCode?.startsWith("@convex-dev/")) {
    throw new Error(`adapterCode ${script.adapterCode} runs on convex 1.49.0 only, not on ${convexPackage}`);
  }
  const convex = (entry) => import(`${convexPackage}/${entry}`);
  const { ConvexReactClient, ConvexProviderWithAuth, useConvexAuth, useQuery, usePreloadedQuery } = await convex("react");
  const { convexToJson } = await convex("values");
  const { ConvexProviderWithClerk } = await convex("react-clerk");
  // convex/react-auth0 imports useAuth0 from @auth0/auth0-react: the harness
  // installs a stand-in (fakes/auth0-react) whose state the driver sets.
  const { ConvexProviderWithAuth0 } = await convex("react-auth0");
  const { BaseConvexClient } = await convex("browser");
  // authkit-nextjs's or authkit-tanstack-react-start's client code over
  // scripted server functions, under a recommended hook.
  let serverActions = null;
  if (script.adapterCode === "fixes/authkit-nextjs" || script.adapterCode === "fixes/tanstack-start") {
    const { installServerActions, loadServerActionSdk, serverActionElement } = await import("./authkit-server-actions.mjs");
    serverActions = {
      api: installServerActions({ onRequest: (req) => emit("serverAction.request", req), code: script.adapterCode }),
      ...(await loadServerActionSdk(script.adapterCode, convexPackage, script.hook ?? null)),
      ConvexProviderWithAuth,
      element: serverActionElement,
    };
  }
  // A real IdP SDK reads browser globals when it runs: install them first.
  let workos = null;
  let convexAuth = null;
  if (script.adapterCode?.startsWith("@convex-dev/workos@") || script.adapterCode === "fixes/workos") {
    const { installWorkos, loadWorkos, workosElement, forgetWorkosSession } = await import("./workos.mjs");
    await forgetWorkosSession(script.adapterCode);
    timers.clear();
    events = [];
    workos = {
      api: installWorkos({
        signedIn: script.workosSession ?? false,
        onRequest: (req) => emit("workos.request", req),
      }),
      ...(await loadWorkos(script.adapterCode, script.hook ?? null, React, ConvexProviderWithAuth)),
      element: workosElement,
    };
  }
  let betterAuth = null;
  if (script.adapterCode?.startsWith("@convex-dev/better-auth@")) {
    const { ConvexBetterAuthProvider } = await import("@convex-dev/better-auth/react");
    const { requestQueue } = await import("./fake-browser.mjs");
    const queue = requestQueue((req) => emit("betterAuth.request", req));
    betterAuth = {
      ConvexBetterAuthProvider,
      queue,
      api: {
        // `authClient.convex.token({fetchOptions: {throw: false}})` answers with the
        // token, or with an error object and no data (a 5xx; nothing is thrown).
        answer: (token) => queue.settleOldest((resolve) => resolve({ data: { token }, error: null })),
        // With throw:false better-fetch answers an error status with an error
        // object and no data; a fetch that rejects rejects the call (the
        // adapter catches both).
        fail: ({ kind }) =>
          queue.settleOldest((resolve, reject) => {
            const status = { "http-5xx": 503, "http-429": 429, "http-408": 408 }[kind];
            if (status === undefined) return reject(new TypeError("Failed to fetch"));
            resolve({ data: null, error: { status, statusText: `HTTP ${status}` } });
          }),
      },
    };
  }
  if (script.adapterCode?.startsWith("@convex-dev/auth@")) {
    const { installConvexAuth, loadConvexAuth, convexAuthElement } = await import("./convex-auth.mjs");
    convexAuth = {
      api: installConvexAuth({ address: DEPLOYMENT_URL, onRequest: (req) => emit("convexAuth.request", req) }),
      ...(await loadConvexAuth()),
      element: convexAuthElement,
    };
  }
  const { makeFunctionReference } = await convex("server");
  return {
    React,
    act,
    create,
    ConvexReactClient,
    ConvexProviderWithAuth,
    ConvexProviderWithClerk,
    ConvexProviderWithAuth0,
    useConvexAuth,
    useQuery,
    usePreloadedQuery,
    convexToJson,
    BaseConvexClient,
    makeFunctionReference,
    workos,
    convexAuth,
    betterAuth,
    serverActions,
    // The SDK whose requests the driver answers, if any (Better Auth's client is a
    // fake, its adapter real).
    realSdk: workos ?? convexAuth ?? betterAuth ?? serverActions,
  };
}

function clientOptions(script) {
  return {
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
}

// ---- the app ---------------------------------------------------------------------------
const DEPLOYMENT_URL = "https://happy-otter-123.convex.cloud";

// The client, and what the driver holds of the app around it.
function createApp(lib, script) {
  const reactMode = script.react ?? true;
  const options = clientOptions(script);
  const client = reactMode ? new lib.ConvexReactClient(DEPLOYMENT_URL, options) : null;
  const base = reactMode ? client.sync : new lib.BaseConvexClient(DEPLOYMENT_URL, () => {}, options);
  const app = {
    lib,
    reactMode,
    client,
    base,
    am: base.authenticationManager,
    // Every fetchAccessToken call, in order: its promise's resolve / reject.
    pending: [],
    // One fetchAccessToken function per adapter "generation".
    fetchers: [],
    gen: 0,
    adapter: null,
    setAdapter: null,
    ui: null,
    lastUi: null,
    renderer: null,
    queries: Array.from({ length: script.queries ?? 1 }, (_, i) => lib.makeFunctionReference(`app:query${i}`)),
    mutation: script.mutation ? lib.makeFunctionReference("app:mutation") : null,
    mutationRef: lib.makeFunctionReference("app:mutation"),
    actionRef: lib.makeFunctionReference("app:action"),
    extraQuery: lib.makeFunctionReference("app:extraQuery"),
    setExtraMounted: null,
    bareAuth: { value: null, refreshing: false },
    strictMode: script.strictMode ?? false,
    // The first query is usePreloadedQuery over a payload preloadQuery made on
    // the server with the user's token (Next.js App Router).
    preloadedQuery: script.preloadedQuery ?? false,
    preloadedShows: undefined,
    // The adapter's real code, when the script names it: "convex/react-clerk@…"
    // renders convex's own ConvexProviderWithClerk over a fake Clerk useAuth.
    adapterCode: script.adapterCode ?? null,
  };
  if (lib.realSdk) observeFetches(app);
  // A user's file (`script.hook`) is handed this client whatever it builds.
  if (script.hook) globalThis.__harnessConvexClient = client;
  unsupportedOptions(app, options);
  // The adapter's first render: loading while the IdP SDK loads (the default of
  // every real adapter), or signed in when the session came with the page.
  const initial = script.initialAdapter ?? { isLoading: false, isAuthenticated: true };
  app.adapter = { isLoading: initial.isLoading, isAuthenticated: initial.isAuthenticated, fetchAccessToken: fetcherFor(app, 0) };
  return app;
}

// Options an older release ignores: the replay would not be the scripted one.
// expectAuth (since 1.26) pauses the socket at construction; before 1.17 the
// refetch leeway is fixed at 2 s and the AuthenticationManager has no field for it.
function unsupportedOptions(app, options) {
  if (options.expectAuth && app.base.webSocketManager.socket.paused !== "yes") {
    emit("driver.unsupportedOption", { option: "expectAuth" });
  }
  const leeway = options.authRefreshTokenLeewaySeconds;
  if (leeway !== undefined && leeway !== 2 && !("refreshTokenLeewaySeconds" in app.am)) {
    emit("driver.unsupportedOption", { option: "authRefreshTokenLeewaySeconds" });
  }
}

// One token request the script settles (fetchResolve / fetchReject): reported as
// `fetchToken.call` with `call` (forceRefreshToken and what the adapter passed).
// `settle` turns the script's token (a JWT or null) into the promise's outcome
// (by default: resolves with it).
function scriptedFetch(app, call, settle = (token, resolve) => resolve(token)) {
  return new Promise((resolve, reject) => {
    const fetch = app.pending.length;
    app.pending.push({ resolve: (token) => settle(token, resolve, reject), reject, settled: false });
    emit("fetchToken.call", { fetch, gen: app.gen, ...call });
  });
}

// With the real adapter, the fetchAccessToken Convex is handed is the adapter's own:
// each call is reported as `fetchToken.call`, and its settling as fetchToken.settled.
function observeFetches(app) {
  const setAuth = app.client.setAuth.bind(app.client);
  app.client.setAuth = (fetchToken, ...rest) =>
    setAuth(async (args) => {
      const fetch = app.pending.length;
      const entry = { settled: false };
      app.pending.push(entry);
      emit("fetchToken.call", { fetch, forceRefreshToken: !!args?.forceRefreshToken });
      try {
        const token = await fetchToken(args);
        emit("fetchToken.settled", { fetch, token: token === null ? null : (tokenByJwt()[token] ?? "?") });
        return token;
      } catch (e) {
        emit("fetchToken.rejected", { fetch, error: String(e) });
        throw e;
      } finally {
        entry.settled = true;
      }
    }, ...rest);
}

// fetchAccessToken of one generation: every call waits for the script to settle it.
function fetcherFor(app, gen) {
  app.fetchers[gen] ??= ({ forceRefreshToken }) =>
    scriptedFetch(app, { gen, forceRefreshToken });
  return app.fetchers[gen];
}

// <ConvexProviderWithAuth> around one component that reads useConvexAuth(), uses
// every query and calls the mutation once.
function appElement(app) {
  const { React, ConvexProviderWithAuth, useConvexAuth, useQuery, usePreloadedQuery } = app.lib;
  function Queries() {
    const value = useConvexAuth();
    // isRefreshing is new in 1.40: before, it is never true.
    app.ui = { isLoading: value.isLoading, isAuthenticated: value.isAuthenticated, isRefreshing: value.isRefreshing ?? false };
    const committed = app.ui;
    // What the user sees: every committed render, for the monitors.
    React.useLayoutEffect(() => monitors?.commit(committed), [committed.isLoading, committed.isAuthenticated]);
    app.queries.forEach((q, i) => {
      if (i === 0 && app.preloadedQuery) {
        app.preloadedShows = usePreloadedQuery(preloadedPayload(app));
      } else {
        useQuery(q, {});
      }
    });
    React.useEffect(() => {
      if (app.mutation) {
        app.client.mutation(app.mutation, {}).then(
          () => emit("mutation.settled", {}),
          (e) => emit("mutation.failed", { error: String(e) }),
        );
      }
    }, []);
    return null;
  }
  // The component with its own query that the app mounts and unmounts.
  function Extra() {
    useQuery(app.extraQuery, {});
    return null;
  }
  function Root() {
    const [state, set] = React.useState(app.adapter);
    const [extraMounted, setExtraMounted] = React.useState(false);
    app.setAdapter = set;
    app.setExtraMounted = setExtraMounted;
    const children = [React.createElement(Queries, { key: "q" }), extraMounted ? React.createElement(Extra, { key: "x" }) : null];
    if (app.lib.workos) {
      return app.lib.workos.element(React, app.lib.workos, app.client, children);
    }
    if (app.lib.convexAuth) {
      return app.lib.convexAuth.element(React, app.lib.convexAuth, app.client, children);
    }
    if (app.lib.serverActions) {
      return app.lib.serverActions.element(React, app.lib.serverActions, app.client, children);
    }
    if (app.lib.betterAuth) {
      // Better Auth's client as ConvexBetterAuthProvider reads it: useSession()
      // follows the adapter output the model gives (a session id per fetcher
      // generation), and convex.token() is a request the driver answers.
      app.betterAuthSession = betterAuthSessionOf(app, state);
      app.betterAuthClient ??= {
        useSession: () => app.betterAuthSession,
        convex: { token: () => app.lib.betterAuth.queue.add({ path: "/api/auth/convex/token" }) },
      };
      return React.createElement(app.lib.betterAuth.ConvexBetterAuthProvider, { client: app.client, authClient: app.betterAuthClient }, ...children);
    }
    if (app.adapterCode?.startsWith("convex/react-clerk@")) {
      // Clerk's useAuth as ConvexProviderWithClerk reads it: loaded, signed in, a
      // getToken that keeps its identity, and a session id that changes exactly
      // when the model gives the adapter a new fetchAccessToken.
      // Like Clerk's own useAuth, one stable hook function, reading the state of
      // this render.
      app.clerkCurrent = clerkAuthOf(app, state);
      app.clerkUseAuth ??= () => app.clerkCurrent;
      return React.createElement(app.lib.ConvexProviderWithClerk, { client: app.client, useAuth: app.clerkUseAuth }, ...children);
    }
    if (app.adapterCode?.startsWith("convex/react-auth0@")) {
      // useAuth0() as ConvexProviderWithAuth0 reads it: isLoading,
      // isAuthenticated and one getAccessTokenSilently for the provider's life.
      app.auth0Current = auth0StateOf(app, state);
      globalThis.__replayAuth0 = () => app.auth0Current;
      return React.createElement(app.lib.ConvexProviderWithAuth0, { client: app.client }, ...children);
    }
    return React.createElement(ConvexProviderWithAuth, { client: app.client, useAuth: () => state }, ...children);
  }
  return React.createElement(Root);
}

// What `preloadQuery(api.app.query0, {}, {token})` hands the client component: the
// function's name, its arguments and the value the server computed as the user
// (convex/nextjs `preloadQuery`'s payload shape).
function preloadedPayload(app) {
  app.preloaded ??= {
    _name: "app:query0",
    _argsJSON: app.lib.convexToJson({}),
    _valueJSON: app.lib.convexToJson("rendered on the server as the user"),
  };
  return app.preloaded;
}

// What a fake Better Auth `useSession()` returns for the adapter output the model
// gives: pending while loading, a session (named after the fetcher generation: a
// new fetcher is a new session to the adapter's deps) while authenticated.
function betterAuthSessionOf(app, state) {
  app.betterAuthSessions ??= new Map();
  const key = `${state.isLoading}/${state.isAuthenticated}/${state.gen ?? 0}`;
  if (!app.betterAuthSessions.has(key)) {
    const signedIn = state.isAuthenticated && !state.isLoading;
    app.betterAuthSessions.set(key, {
      data: signedIn ? { session: { id: `sess_${state.gen ?? 0}` }, user: { id: "user_A" } } : null,
      isPending: state.isLoading,
    });
  }
  return app.betterAuthSessions.get(key);
}

// What a fake Clerk `useAuth()` returns for the adapter output the model gives:
// isLoaded = !isLoading, isSignedIn = isAuthenticated, sessionId named after the
// fetcher generation (a new fetcher is a new session or organization to Clerk).
// getToken({template, skipCache}) waits for the script like any fetch.
function clerkAuthOf(app, state) {
  app.clerkGetToken ??= ({ template, skipCache } = {}) =>
    scriptedFetch(app, { forceRefreshToken: !!skipCache, template });
  app.clerkAuth ??= new Map();
  const key = `${state.isLoading}/${state.isAuthenticated}/${state.gen ?? 0}`;
  if (!app.clerkAuth.has(key)) {
    app.clerkAuth.set(key, {
      isLoaded: !state.isLoading,
      isSignedIn: state.isLoading ? undefined : state.isAuthenticated,
      getToken: app.clerkGetToken,
      orgId: null,
      orgRole: null,
      sessionId: `sess_${state.gen ?? 0}`,
    });
  }
  return app.clerkAuth.get(key);
}

// What useAuth0() returns for the adapter output the model gives. The adapter asks
// getAccessTokenSilently({detailedResponse: true, cacheMode}) and reads id_token:
// the script's token (or null) becomes the id_token of the response, and a
// rejection makes the adapter return null.
function auth0StateOf(app, state) {
  app.auth0GetToken ??= ({ cacheMode } = {}) =>
    scriptedFetch(app, { forceRefreshToken: cacheMode === "off", cacheMode }, (token, resolve, reject) =>
      token === null ? reject(new Error("login_required")) : resolve({ id_token: token }),
    );
  app.auth0States ??= new Map();
  const key = `${state.isLoading}/${state.isAuthenticated}`;
  if (!app.auth0States.has(key)) {
    app.auth0States.set(key, {
      isLoading: state.isLoading,
      isAuthenticated: state.isAuthenticated,
      getAccessTokenSilently: app.auth0GetToken,
    });
  }
  return app.auth0States.get(key);
}

function mount(app) {
  if (app.reactMode) {
    // <React.StrictMode> around the app: on mount React runs the effects, their
    // cleanups, and the effects again.
    const { React } = app.lib;
    const element = app.strictMode ? React.createElement(React.StrictMode, null, appElement(app)) : appElement(app);
    app.renderer = app.lib.create(element);
  } else {
    bareUi(app);
    app.queries.forEach((_, i) => app.base.subscribe(`app:query${i}`, {}));
    if (app.mutation) app.base.mutation("app:mutation", {}).catch(() => {});
  }
}

async function settle() {
  for (let i = 0; i < 3; i++) await new Promise((r) => realSetImmediate(r));
}

// The socket's state in today's words. Before 1.14 (no terminate()) the socket
// had no `paused` and other state names: "paused" was today's "stopped" (closed
// until the AuthenticationManager resumes it), "stopped" today's "terminated".
function socketState(wsm) {
  const { state, paused } = wsm.socket;
  if (typeof wsm.terminate === "function") return { socket: state, paused: paused ?? null };
  const socket = { paused: "stopped", stopped: "terminated" }[state] ?? state;
  return { socket, paused: socket === "connecting" || socket === "ready" ? "no" : null };
}

function snapshot(app) {
  const { am, base } = app;
  return {
    auth: am.authState.state,
    configVersion: am.configVersion,
    identityVersion: base.state.identityVersion,
    clientAuth: base.state.auth?.value ? (tokenByJwt()[base.state.auth.value] ?? "?") : null,
    ...socketState(base.webSocketManager),
    useConvexAuth: app.ui,
    ...(app.preloadedQuery ? { preloadedQueryShows: app.preloadedShows ?? null } : {}),
    pendingFetches: app.pending.flatMap((p, i) => (p.settled ? [] : [i])),
    timers: armedTimers(),
  };
}

// One observation: the events since the last one, and the state now.
function record(app, out, step, op) {
  if (JSON.stringify(app.ui) !== JSON.stringify(app.lastUi)) {
    emit("useConvexAuth", { ...app.ui });
    app.lastUi = app.ui;
  }
  const observation = { step, op, events, state: snapshot(app) };
  assertFollows("Observation", observation);
  out.push(observation);
  events = [];
}

// ---- ops: the WebSocket ------------------------------------------------------------
function openSocket() {
  const s = [...sockets].find((x) => x.readyState === 0 && !x.clientClosed);
  if (!s) return emit("driver.noSocket", { op: "open" });
  s.readyState = 1;
  s.onopen?.({});
}

function closeFromServer(app, step) {
  const s = step.ws !== undefined ? sockets[step.ws] : live();
  if (!s || s.serverClosed) return emit("driver.noSocket", { op: "serverClose" });
  if (s.clientClosed) return emit("server.closeIgnored", { ws: s.id });
  s.serverClosed = true;
  s.finishClose(1011);
}

function acknowledgeClientClose(app, step) {
  const s = step.ws !== undefined ? sockets[step.ws] : sockets.find((x) => x.clientClosed && x.readyState === 2);
  if (!s) return emit("driver.noSocket", { op: "closeAck" });
  emit("ws.closeAck", { ws: s.id });
  s.finishClose(1000);
}

// ---- ops: what the server sends ----------------------------------------------------
function sendTransition(app, step) {
  const s = live();
  if (!s) return emit("driver.noSocket", { op: "transition" });
  const v = app.base.remoteQuerySet.version;
  const ts = decodeLong(v.ts);
  s.deliver({
    type: "Transition",
    startVersion: { querySet: v.querySet, ts: encodeTs(ts), identity: step.from ?? v.identity },
    endVersion: { querySet: s.querySetVersion, ts: encodeTs(ts + 1), identity: step.to },
    modifications: [],
  });
}

function sendAuthError(app, step) {
  const s = live();
  if (!s) return emit("driver.noSocket", { op: "authError" });
  const message = {
    type: "AuthError",
    // The backend's text for the model's reason (the client only logs it).
    error: step.error,
    baseVersion: step.baseVersion,
  };
  // An older backend leaves the field out (the plan says null).
  if (step.authUpdateAttempted !== null && step.authUpdateAttempted !== undefined) {
    message.authUpdateAttempted = step.authUpdateAttempted;
  }
  s.deliver(message);
}

function sendMutationResponse(app) {
  const s = live();
  if (!s || s.mutationRequestId === undefined) return emit("driver.noSocket", { op: "mutationResponse" });
  s.deliver({
    type: "MutationResponse",
    requestId: s.mutationRequestId,
    success: true,
    result: null,
    ts: encodeTs(decodeLong(app.base.remoteQuerySet.version.ts) + 1),
    logLines: [],
  });
}

function sendActionResponse(app) {
  const s = live();
  if (!s || s.actionRequestId === undefined) return emit("driver.noSocket", { op: "actionResponse" });
  s.deliver({ type: "ActionResponse", requestId: s.actionRequestId, success: true, result: null, logLines: [] });
}

function sendPing() {
  live()?.deliver({ type: "Ping" });
}

// ---- ops: fetchAccessToken promises --------------------------------------------------
function unsettledFetch(app, fetch) {
  const p = app.pending[fetch];
  if (!p || p.settled) {
    emit("driver.noFetch", { fetch });
    return null;
  }
  p.settled = true;
  return p;
}

function resolveFetch(app, step) {
  unsettledFetch(app, step.fetch)?.resolve(step.token === null ? null : jwt(step.token));
}

function rejectFetch(app, step) {
  unsettledFetch(app, step.fetch)?.reject(new Error(step.error ?? "refresh failed (transient)"));
}

function leaveFetchHanging(app, step) {
  emit("fetch.hangs", { fetch: step.fetch });
}

// ---- ops: time ---------------------------------------------------------------------
function advanceClock(app, step) {
  now = Math.max(now, step.toMs);
}

// Fires the earliest armed timer with this label (the clock moves to its due time,
// unless `keepClock`: the model fires that timer when it says, at its own time).
function fireTimer(label, { keepClock = false } = {}) {
  const due = [...timers.entries()].filter(([, t]) => t.label === label).sort((a, b) => a[1].due - b[1].due);
  if (due.length === 0) {
    emit("timer.none", { timer: label });
    return;
  }
  const [id, t] = due[0];
  timers.delete(id);
  if (!keepClock) now = Math.max(now, t.due);
  emit("timer.fire", { timer: label });
  t.fn(...t.args);
}

// ---- ops: the adapter (react mode) and the bare client -------------------------------
function rerenderProvider(app, step) {
  if (!app.reactMode) return emit("driver.unknownOp", { op: "provider (needs react mode)" });
  if (step.newFetcher) app.gen += 1;
  const adapter = {
    isLoading: step.isLoading ?? app.adapter.isLoading,
    isAuthenticated: step.isAuthenticated ?? app.adapter.isAuthenticated,
    fetchAccessToken: fetcherFor(app, app.gen),
    gen: app.gen,
  };
  app.adapter = adapter;
  emit("provider", { isLoading: adapter.isLoading, isAuthenticated: adapter.isAuthenticated, gen: app.gen });
  app.setAdapter(adapter);
}

// The bare client's app shows what the callbacks it handed over last reported,
// as useConvexAuth() would: loading until the first onChange.
function bareUi(app) {
  const { value, refreshing } = app.bareAuth;
  app.ui = { isLoading: value === null, isAuthenticated: value === true, isRefreshing: refreshing && value === true };
  monitors?.commit(app.ui);
}

function setAuthOnBareClient(app) {
  const g = ++app.gen;
  app.base.setAuth(
    fetcherFor(app, g),
    (value) => {
      emit("onChange", { gen: g, value });
      app.bareAuth.value = value;
      bareUi(app);
    },
    (value) => {
      emit("onRefreshChange", { gen: g, value });
      app.bareAuth.refreshing = value;
      bareUi(app);
    },
  );
}

// ---- ops: the app calling the client after mount ---------------------------------
function callTheMutation(app) {
  const client = app.reactMode ? app.client : app.base;
  const ref = app.reactMode ? app.mutationRef : "app:mutation";
  client.mutation(ref, {}).then(
    () => emit("mutation.settled", {}),
    (e) => emit("mutation.failed", { error: String(e?.message ?? e) }),
  );
}

function callTheAction(app) {
  const client = app.reactMode ? app.client : app.base;
  const ref = app.reactMode ? app.actionRef : "app:action";
  client.action(ref, {}).then(
    () => emit("action.settled", {}),
    (e) => emit("action.failed", { error: String(e?.message ?? e) }),
  );
}

function mountQuery(app, mounted) {
  if (!app.reactMode) return emit("driver.unknownOp", { op: "mountQuery (needs react mode)" });
  app.setExtraMounted(mounted);
}

// Every op of a script, by name: (app, step) => void.
// ---- ops: the real AuthKit's side (WorkOS requests and authkit's timers) -------------
// Answers the oldest WorkOS request with the step's token, as of `step.atMs`
// (authkit-js dates the token's expiry from the moment the answer arrives).
async function answerAsOf(app, step, op) {
  answeredAt = step.atMs ?? null;
  try {
    if (!app.lib.realSdk.api.answer(jwt(step.token))) emit("driver.noRequest", { op });
    await settle();
  } finally {
    answeredAt = null;
  }
}
async function workosLoad(app, step) {
  fireTimer("authkit.load");
  await settle();
  if (step.token !== null) await answerAsOf(app, step, "workosLoad");
}
async function idpAnswer(app, step) {
  await answerAsOf(app, step, "idpAnswer");
}
function idpFail(app, step) {
  if (!app.lib.realSdk.api.fail(step)) emit("driver.noRequest", { op: "idpFail" });
}
function convexAuthLoad(app, step) {
  app.lib.convexAuth.api.load(step.token === null ? null : jwt(step.token));
}
// authkit-nextjs / authkit-tanstack-react-start: the page's getAuthAction is
// answered (the session's user, or none) and, with a session, the token store's
// first request (getAccessTokenAction, which Convex's first fetch joins) with the
// page's token.
async function storeLoad(app, step) {
  const api = app.lib.realSdk.api;
  if (!api.answerAuth(step.token !== null)) emit("driver.noRequest", { op: "storeLoad" });
  if (step.token === null) return;
  await drainReact();
  await answerAsOf(app, step, "storeLoad");
}
// The tab becomes visible (visibilitychange): the stores' wake listener
// (useAccessToken's handleWake) refreshes the token, due by now, and its request
// is answered.
async function storeWake(app, step) {
  app.lib.realSdk.api.show();
  await settle();
  await answerAsOf(app, step, "storeWake");
}
// The token store's timer fires (getAccessTokenSilently: it refreshes a token
// about to expire) and its request is answered: its refresh before expiry
// (TanStack's store; authkit-nextjs's arms it too late for short tokens, when
// they are not yet "expiring", and it does nothing), or its retry 5 minutes after
// a failed refresh. The model has no 5 minutes and times its refresh by its own
// ticks: it lets the timer come at any moment once the token is due, and the
// clock stays where the model's is.
async function storeTimer(app, step) {
  fireTimer("tokenStore.refresh", { keepClock: true });
  await settle();
  await answerAsOf(app, step, "storeTimer");
}
async function workosAutoRefresh(app, step) {
  fireTimer("authkit.autoRefresh");
  await settle();
  await answerAsOf(app, step, "workosAutoRefresh");
}

const OPS = {
  workosLoad,
  workosAutoRefresh,
  storeLoad,
  storeTimer,
  storeWake,
  idpAnswer,
  idpFail,
  convexAuthLoad,
  convexAuthRetry: () => fireTimer("convexAuth.retry"),
  // The recommended hooks' wait before they call the SDK again ends, for `waits`
  // fetches (each sleeps on a timer of its own; the earliest end first).
  hookRetry: (app, step) => {
    for (let i = 0; i < (step.waits ?? 1); i++) fireTimer("hook.retry");
  },
  open: openSocket,
  serverClose: closeFromServer,
  closeAck: acknowledgeClientClose,
  transition: sendTransition,
  authError: sendAuthError,
  mutationResponse: sendMutationResponse,
  actionResponse: sendActionResponse,
  callMutation: callTheMutation,
  callAction: callTheAction,
  mountQuery: (app) => mountQuery(app, true),
  unmountQuery: (app) => mountQuery(app, false),
  ping: sendPing,
  fetchResolve: resolveFetch,
  fetchReject: rejectFetch,
  fetchHang: leaveFetchHanging,
  advance: advanceClock,
  fireAuthRefetch: () => fireTimer("authRefetch"),
  fireReconnect: () => fireTimer("reconnect"),
  fireClearAuth: () => fireTimer("provider.clearAuth"),
  // React's scheduled flush of the passive effects held since their commit
  // (holdPassiveEffects): the step's drain runs them.
  flushEffects: () => {},
  provider: rerenderProvider,
  signOut: (app) => rerenderProvider(app, { isAuthenticated: false }),
  setAuth: setAuthOnBareClient,
  clearAuth: (app) => app.base.clearAuth(),
};

async function runOp(app, step) {
  if (!Object.hasOwn(OPS, step.op)) return emit("driver.unknownOp", { op: step.op });
  if (app.lib.realSdk) stepMs += 1;
  idpNowMs = step.idpNowMs ?? null;
  monitors?.stepStarts(step.env);
  try {
    await OPS[step.op](app, step);
  } catch (e) {
    emit("client.threw", { error: String(e?.message ?? e) });
  }
  if (step.op === "advance") monitors?.tick();
}

// ---- running a script ----------------------------------------------------------------
// Everything one run leaves behind is reset before the next: the clock, the timers,
// the sockets, the events, the tokens.
function resetWorld(script) {
  now = 0;
  nextTimer = 1;
  timers.clear();
  sockets.length = 0;
  events = [];
  stepMs = 0;
  answeredAt = null;
  idpNowMs = null;
  tokens = script.tokens ?? {};
  manualCloseAck = script.manualCloseAck ?? true;
  monitors = script.monitors ? createMonitors(script.monitors, (v) => emit("monitor.violated", v)) : null;
}

// Runs React's scheduled work (renders, commits, passive effects) until nothing
// is left, letting promises settle between tasks, as a browser's event loop would
// before the next event arrives.
async function drainReact() {
  for (let round = 0; round < 1000; round++) {
    await settle();
    if (!Scheduler.unstable_hasPendingWork()) return;
    Scheduler.unstable_flushAllWithoutAsserting();
  }
  throw new Error("React's scheduler never went idle");
}

// Runs React's tasks one at a time until a commit has left passive effects
// pending and no update waits to render (or nothing is left to run).
async function drainHoldingEffects() {
  for (let round = 0; round < 10000; round++) {
    await settle();
    if (!Scheduler.unstable_hasPendingWork()) {
      react.renderWanted = false;
      return;
    }
    if (react.passivePending && !react.renderWanted) return;
    const commits = react.commits;
    Scheduler.unstable_flushUntilNextPaint();
    if (react.commits > commits) react.renderWanted = false;
  }
  throw new Error("React's scheduler never went idle");
}

// One part of a run: under act() (scheduling "act"), or as React schedules it,
// then React's tasks drained (scheduling "scheduler"), holding passive effects
// back when the script says so, unless `flushEffects` (the op that runs them).
async function inTask(app, fn, flushEffects = false) {
  if (app.scheduling === "act") {
    await app.lib.act(async () => {
      await fn();
      await settle();
    });
  } else {
    await fn();
    if (app.holdPassiveEffects && !flushEffects) await drainHoldingEffects();
    else await drainReact();
  }
}

// Runs one script and returns its observations: [{step, op, events, state}].
async function runScript(script) {
  assertFollows("Script", script);
  resetWorld(script);
  const scheduling = script.scheduling ?? "act";
  if (scheduling !== "act" && scheduling !== "scheduler") throw new Error(`scheduling ${scheduling}: not act or scheduler`);
  globalThis.IS_REACT_ACT_ENVIRONMENT = scheduling === "act";
  progress("loading the libraries");
  const lib = await loadLibraries(script);
  const app = createApp(lib, script);
  app.scheduling = scheduling;
  app.holdPassiveEffects = script.holdPassiveEffects ?? false;
  if (app.holdPassiveEffects && scheduling !== "scheduler") throw new Error("holdPassiveEffects needs scheduling scheduler");
  Object.assign(react, { renderWanted: false, passivePending: false });
  const out = [];
  try {
    progress("the mount");
    await inTask(app, async () => mount(app));
    // A page that comes with its session: the real SDK loads it at once, once the
    // mount's effects have run (authkit-react arms its createClient timer there).
    if (script.loadAtMount !== undefined) {
      await inTask(app, async () => OPS[script.loadAtMount.op](app, script.loadAtMount));
    }
    userFileThrew();
    record(app, out, -1, { op: "mount" });
    for (const [i, step] of (script.steps ?? []).entries()) {
      progress(`step ${i} (${step.op})`);
      await inTask(app, async () => runOp(app, step), step.op === "flushEffects");
      userFileThrew();
      record(app, out, i, step);
    }
  } finally {
    await endRun(app);
  }
  return out;
}

// A user's file (`script.hook`) that threw while React rendered it: the run
// cannot go on, and the error is the file's (./user-hook.mjs records it).
function userFileThrew() {
  const error = globalThis.__userHookThrew;
  if (error === undefined) return;
  globalThis.__userHookThrew = undefined;
  throw new Error(String(error?.message ?? error).split("\n")[0]);
}

// Unmounts the app and closes the client, so that nothing of this run reaches
// the next one's events.
async function endRun(app) {
  // Unmounting is not part of the run the model walked.
  monitors = null;
  try {
    if (app.renderer) await inTask(app, async () => app.renderer.unmount());
    // close() waits for the socket's close to be acknowledged, which no step
    // will do now: it is not awaited.
    (app.client ?? app.base).close().catch(() => {});
  } catch {
    // A client that cannot close cleanly changes nothing the run reported.
  }
  await drainReact();
  timers.clear();
  events = [];
}

// ---- main ------------------------------------------------------------------------------

// Tells the caller (src/conformance.rs) on stderr what the driver is about to do,
// so that a run that hangs can be reported with the step it hung in.
function progress(what) {
  process.stderr.write(`${PROGRESS}${what}\n`);
}
const PROGRESS = "convex-auth-driver at: ";

// Writes `text` to `stream` and resolves once it is handed to the OS: on a pipe
// Node writes asynchronously, and process.exit would drop what is still queued
// (a long replay's output past the pipe's 64 KiB).
function flushed(stream, text) {
  return new Promise((resolve) => stream.write(text, () => resolve()));
}

async function main() {
  if (process.argv[2] === "--batch") {
    // One script per line in, one line out per script: its observations, or
    // {"error": …} when the script cannot run.
    const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
    for await (const line of lines) {
      if (line.trim() === "") continue;
      let result;
      try {
        result = await runScript(JSON.parse(line));
      } catch (e) {
        result = { error: String(e?.stack ?? e) };
      }
      await flushed(process.stdout, JSON.stringify(result) + "\n");
    }
    process.exit(0);
  }
  const out = await runScript(readScript());
  await flushed(process.stdout, JSON.stringify(out) + "\n");
  process.exit(0);
}

main().catch(async (e) => {
  await flushed(process.stderr, `driver failed: ${e?.stack ?? e}\n`);
  process.exit(3);
});
