// A drop-in replacement for `ConvexProviderWithAuthKit` of @convex-dev/workos
// 0.0.3, over @workos-inc/authkit-react 0.16.2 or later (authkit-js 0.20.2 or
// later: 0.20.0 turns a WorkOS 5xx into LoginRequiredError), for unmodified
// convex 1.49.0.
// Modelled by convex-auth-model as the adapter `recommended-workos`; every
// property holds in its checks (checks/recommended-workos-*.toml).
//
// What it changes, and the counterexample each change answers (README, "If you
// hit #259"):
// - A forced refresh (Convex's `forceRefreshToken`, asked after the server
//   rejected a token) refreshes the session: getAccessToken({ forceRefresh: true }).
// - null only when the session is really gone (authkit-js's LoginRequiredError).
//   Convex treats null as "signed out" for good: the old hook's null on a
//   network error left useConvexAuth() signed out until a reload (#259).
// - Any other error is retried after 250 ms, 1 s, then every 10 s, until the
//   IdP answers: never null, never thrown, so Convex is never told the user is
//   signed out while AuthKit still has them.
// - `user?.id` in the deps, not `user`: AuthKit hands out a new user object with
//   every refreshed session; a new fetchAccessToken makes Convex start over
//   (setAuth), and one that lands while Convex re-authenticates can leave its
//   socket stopped. A different user still gets a new one.

import { type ReactNode, useCallback, useMemo } from "react";
import { ConvexProviderWithAuth, type ConvexReactClient } from "convex/react";
import { LoginRequiredError, type useAuth as useAuthKit } from "@workos-inc/authkit-react";

/** The waits before each retry of a failed token request: then the last, forever. */
const RETRY_DELAYS_MS = [250, 1000, 10_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function ConvexProviderWithAuthKit({
  children,
  client,
  useAuth,
}: {
  children: ReactNode;
  client: ConvexReactClient;
  useAuth: typeof useAuthKit;
}) {
  const useAuthFromAuthKit = useMemo(() => makeUseAuthFromAuthKit(useAuth), [useAuth]);
  return (
    <ConvexProviderWithAuth client={client} useAuth={useAuthFromAuthKit}>
      {children}
    </ConvexProviderWithAuth>
  );
}

/** The `useAuth` hook ConvexProviderWithAuth takes, over AuthKit's `useAuth`. */
export function makeUseAuthFromAuthKit(useAuth: typeof useAuthKit) {
  return function useAuthFromAuthKit() {
    const { isLoading, user, getAccessToken } = useAuth();
    const userId = user?.id;

    const fetchAccessToken = useCallback(
      async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
        for (let attempt = 0; ; attempt++) {
          try {
            return await getAccessToken(forceRefreshToken ? { forceRefresh: true } : undefined);
          } catch (error) {
            if (error instanceof LoginRequiredError) return null;
            await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
          }
        }
      },
      [userId, getAccessToken],
    );

    return useMemo(
      () => ({ isLoading, isAuthenticated: !!user, fetchAccessToken }),
      [isLoading, user, fetchAccessToken],
    );
  };
}
