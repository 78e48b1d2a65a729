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
//   retried after 250 ms, 1 s, then every 10 s, until it succeeds: never thrown.
// - No token while useAuth() still has the user is retried too. The SDK's
//   server answers `undefined` when there is no session, but also when WorkOS
//   fails (5xx, 429, a timeout) to refresh an access token that has already
//   expired: its middleware swallows that failure and reports no user
//   (@workos/authkit-session 0.7.1, AuthService.withAuth). Handed to Convex,
//   that null means "signed out" until a reload. null only once the user is
//   gone; a retry loop of an earlier user's fetchAccessToken then stops.
// - `user?.id` in the deps, not `user`: a new user object for the same user (a
//   refreshed session) no longer hands Convex a new fetchAccessToken, which
//   makes it start over and, landing while it re-authenticates, can leave its
//   socket stopped. A different user still gets a new one.

import { useCallback, useLayoutEffect, useMemo, useRef } from "react";
import { useAccessToken, useAuth } from "@workos/authkit-tanstack-react-start/client";

/** The waits before each retry of a failed token request: then the last, forever. */
const RETRY_DELAYS_MS = [250, 1000, 10_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function useAuthFromWorkOS() {
  const { loading, user } = useAuth();
  const { getAccessToken, refresh } = useAccessToken();
  const userId = user?.id;
  // The user useAuth() has now, for the retry loops below: set in the commit,
  // before ConvexProviderWithAuth's effects call the new fetchAccessToken.
  const currentUserId = useRef(userId);
  useLayoutEffect(() => {
    currentUserId.current = userId;
  }, [userId]);

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
      for (let attempt = 0; userId && currentUserId.current === userId; attempt++) {
        try {
          const token = await (forceRefreshToken ? refresh() : getAccessToken());
          if (token) return token;
        } catch {
          // A failed refresh: retried below.
        }
        await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
      }
      return null;
    },
    [userId, refresh, getAccessToken],
  );

  return useMemo(
    () => ({ isLoading: loading, isAuthenticated: !!user, fetchAccessToken }),
    [loading, user, fetchAccessToken],
  );
}
