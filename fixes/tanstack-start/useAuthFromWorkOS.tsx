// The Convex + AuthKit TanStack Start template's useAuthFromWorkOS
// (get-convex/templates, template-tanstack-start-authkit/src/router.tsx), as this
// project recommends it, over @workos/authkit-tanstack-react-start 0.11.x and
// unmodified convex 1.49.0. Modelled by convex-auth-model as the adapter
// `recommended-tanstack-start`. Use it where the template's router.tsx defines
// its own: `<ConvexProviderWithAuth client={…} useAuth={useAuthFromWorkOS}>`.
//
// What it changes (README, "If you hit #259"):
// - A try/catch. The template lets a failed refresh (network, IdP down) reject
//   fetchAccessToken; Convex then gives up on the user until a reload. Now it is
//   retried after 250 ms, 1 s, then every 10 s, until it succeeds: never thrown,
//   and null only when the session is really gone (the SDK answers `undefined`).
// - `user?.id` in the deps, not `user`: a new user object for the same user (a
//   refreshed session) no longer hands Convex a new fetchAccessToken, which
//   makes it start over and, landing while it re-authenticates, can leave its
//   socket stopped. A different user still gets a new one.

import { useCallback, useMemo } from "react";
import { useAccessToken, useAuth } from "@workos/authkit-tanstack-react-start/client";

/** The waits before each retry of a failed token request: then the last, forever. */
const RETRY_DELAYS_MS = [250, 1000, 10_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function useAuthFromWorkOS() {
  const { loading, user } = useAuth();
  const { getAccessToken, refresh } = useAccessToken();
  const userId = user?.id;

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
      if (!userId) return null;
      for (let attempt = 0; ; attempt++) {
        try {
          // undefined: no session any more.
          return (await (forceRefreshToken ? refresh() : getAccessToken())) ?? null;
        } catch {
          await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
        }
      }
    },
    [userId, refresh, getAccessToken],
  );

  return useMemo(
    () => ({ isLoading: loading, isAuthenticated: !!user, fetchAccessToken }),
    [loading, user, fetchAccessToken],
  );
}
