// Property monitors on the real client: the properties a check expects to hold,
// judged on what the real client does, as the run goes (`fuzz` asks for them in
// the script's `monitors`). A monitor sees every event the driver reports and
// every committed render of useConvexAuth(), with the facts of the world the
// model's step gives (`env` on each step: who is signed in at the IdP, how many
// changes of user the IdP has taken, whether the app has been told of the latest,
// whether the network has dropped). It reports a violation as the event
// `monitor.violated {property, detail}`, which the comparison counts as a
// divergence: the model said the property holds.
//
// Watched here (the model's definitions in model/src/properties.rs and
// model/src/history.rs):
//   flash      a committed useConvexAuth() that is not authenticated, while the
//              user is signed in (not once the session has ended at the IdP:
//              `sessionEnded`) and a committed render has shown them
//              authenticated since their session began (every commit counts, not
//              only the state after a step: a flash inside one step is a flash);
//   zombie     an Authenticate carrying a token of someone who is not signed in,
//              once the app has been told of the change of user (the "never sends
//              the old user's token again" half; the server's end state is the
//              fake server's, not the client's);
//   unhandled  an unhandled rejection, whenever it comes;
//   lost       an action failing with "Connection lost" while the network never
//              dropped;
//   storm      more fetchAccessToken calls and reconnects between two clock
//              ticks than the storm bound (each call is a setAuth call or a
//              forced fetch; the first socket is the page load's).
// Not watched: stuck, wedge and ghost (liveness: no finite run shows a violation),
// unauth-q and mismatch (judged on the server's connection, which the driver's
// fake server does not keep: it sends what the model's server sends).

export const WATCHED = ["flash", "zombie", "unhandled", "lost", "storm"];

export function createMonitors(spec, report) {
  const watched = new Set(spec?.properties ?? []);
  for (const p of watched) {
    if (!WATCHED.includes(p)) throw new Error(`monitors: ${p} is not one of ${WATCHED.join(", ")}`);
  }
  const stormBound = spec?.stormBound ?? Infinity;
  let env = spec?.mountEnv ?? { session: null, userChanges: 0, userChange: "settled", networkDropped: false };
  let everAuthenticated = false;
  let work = 0;
  let sockets = 0;
  const violated = new Set();
  // One more setAuth call, forced fetch or reconnect in this tick.
  const oneMoreWork = () => {
    work += 1;
    if (work > stormBound) violation("storm", `${work} fetches and reconnects in one tick`);
  };
  const violation = (property, detail) => {
    if (!watched.has(property) || violated.has(property)) return;
    violated.add(property);
    report({ property, detail });
  };
  return {
    // The world after the model step the next driver step plays.
    stepStarts(stepEnv) {
      if (!stepEnv) return;
      if (stepEnv.userChanges !== env.userChanges) everAuthenticated = false;
      env = stepEnv;
    },
    // After the `advance` op: a clock tick reached the tab.
    tick() {
      work = 0;
    },
    // Every event the driver reports.
    event(e) {
      switch (e.kind) {
        case "unhandledRejection":
          violation("unhandled", e.error);
          break;
        case "action.failed":
          if (String(e.error).includes("Connection lost") && !env.networkDropped) {
            violation("lost", e.error);
          }
          break;
        case "fetchToken.call":
          oneMoreWork();
          break;
        case "ws.new":
          sockets += 1;
          if (sockets > 1) oneMoreWork();
          break;
        case "out":
          if (e.type === "Authenticate" && e.token !== null && env.userChange !== "unseen") {
            const sub = e.sub ?? null;
            if (sub !== null && sub !== env.session) {
              violation("zombie", `Authenticate with ${e.token} of ${sub} while ${env.session ?? "nobody"} is signed in`);
            }
          }
          break;
      }
    },
    // A committed render of useConvexAuth().
    commit(ui) {
      if (ui.isAuthenticated) {
        everAuthenticated = true;
      } else if (everAuthenticated && env.session !== null && !env.sessionEnded) {
        violation("flash", `useConvexAuth() committed ${JSON.stringify(ui)} while ${env.session} is signed in`);
      }
    },
  };
}
