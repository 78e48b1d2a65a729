// The recommended WorkOS provider with one change, by hand: the option is
// passed to getAccessToken under Convex's name, forceRefreshToken, where
// authkit-js reads forceRefresh. authkit-js ignores the unknown option, so the
// cached token comes back: `hook` must learn force = "ignored", and report
// tsc's error TS2561 on the call.

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
            return await getAccessToken({ forceRefreshToken });
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
