// The recommended WorkOS provider with one change, by hand: a transient error
// of getAccessToken is answered with the last token the hook returned, kept in
// a ref (a common "stable token" pattern), an ended session with null. That
// token can be older than the SDK's (authkit-react refreshes on its own), so it
// is not the model's "stale-token": `hook` must learn
// transient_error = "last-returned".

import { type ReactNode, useCallback, useMemo, useRef } from "react";
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
    const lastToken = useRef<string | null>(null);

    const fetchAccessToken = useCallback(
      async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
        for (let attempt = 0; ; attempt++) {
          try {
            lastToken.current = await getAccessToken(forceRefreshToken ? { forceRefresh: true } : undefined);
            return lastToken.current;
          } catch (error) {
            if (error instanceof LoginRequiredError) return null;
            return lastToken.current;
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
