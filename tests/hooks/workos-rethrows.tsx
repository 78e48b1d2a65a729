// The recommended WorkOS provider with one change, by hand: errors other than
// an ended session are rethrown, not retried. `hook` must learn
// transient_error = "rethrow".

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
            void sleep; void attempt;
            throw error;
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
