"use client";

// The Convex + AuthKit Next.js template's ConvexClientProvider
// (get-convex/templates, template-nextjs-authkit), with the hook this project
// recommends, over @workos-inc/authkit-nextjs 4.3.1 or later and unmodified
// convex 1.49.0. Earlier authkit-nextjs deletes the session cookie when its
// middleware fails to refresh an expired token, a WorkOS outage included: no
// hook can undo that sign-out (README.md).
// Modelled by convex-auth-model as the adapter `recommended-authkit-nextjs`.
//
// What it changes in the template's useAuthFromAuthKit (README, "If you hit #259"):
// - null only when the session is really gone: authkit-nextjs answers
//   `undefined` then (no session cookie; the middleware deletes it once
//   WorkOS refuses the session and the access token has expired). A thrown error (the server action failed: network, IdP
//   down) was mapped to null, which Convex treats as "signed out" for good: the
//   UI stayed signed out until a reload (#259). Now it is retried after 250 ms,
//   1 s, then every 10 s, until it succeeds: never null, never thrown.
// - `user?.id` in the deps, not `user`: a new user object for the same user (a
//   refreshed session) no longer hands Convex a new fetchAccessToken, which
//   makes it start over and, landing while it re-authenticates, can leave its
//   socket stopped. A different user still gets a new one.

import { type ReactNode, useCallback, useState } from "react";
import { ConvexProviderWithAuth, ConvexReactClient } from "convex/react";
import { AuthKitProvider, useAccessToken, useAuth } from "@workos-inc/authkit-nextjs/components";

/** The waits before each retry of a failed token request: then the last, forever. */
const RETRY_DELAYS_MS = [250, 1000, 10_000];

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function ConvexClientProvider({ children }: { children: ReactNode }) {
  const [convex] = useState(() => new ConvexReactClient(process.env.NEXT_PUBLIC_CONVEX_URL!));
  return (
    <AuthKitProvider>
      <ConvexProviderWithAuth client={convex} useAuth={useAuthFromAuthKit}>
        {children}
      </ConvexProviderWithAuth>
    </AuthKitProvider>
  );
}

export function useAuthFromAuthKit() {
  const { user, loading: isLoading } = useAuth();
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

  return { isLoading, isAuthenticated: !!user, fetchAccessToken };
}
