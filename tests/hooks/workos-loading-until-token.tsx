// The recommended WorkOS provider with one change, by hand: the hook reports
// loading until it has got a token, and its outputs change when the token
// comes. On the real client Convex then asks for a token twice where the SDK
// finishes loading, which no description of the model does: `hook` must exit
// 3 and show that step.

import { type ReactNode, useCallback, useMemo, useState } from "react";
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
    const [hasToken, setHasToken] = useState(false);

    const fetchAccessToken = useCallback(
      async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
        for (let attempt = 0; ; attempt++) {
          try {
            const token = await getAccessToken(forceRefreshToken ? { forceRefresh: true } : undefined);
            setHasToken(true);
            return token;
          } catch (error) {
            if (error instanceof LoginRequiredError) return null;
            await sleep(RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)]);
          }
        }
      },
      [userId, getAccessToken],
    );

    return useMemo(
      () => ({ isLoading: isLoading || !hasToken, isAuthenticated: !!user, fetchAccessToken }),
      [isLoading, hasToken, user, fetchAccessToken],
    );
  };
}
