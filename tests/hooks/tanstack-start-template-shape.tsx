// A hook of the shape the Convex TanStack Start template gives (the
// `tanstack-start` row: get-convex/templates db3b63136248,
// template-tanstack-start-authkit/src/router.tsx), written here from its facts: no user means no token; a forced fetch calls
// refresh(), any other getAccessToken(); there is no try/catch, so an error
// rejects; isLoading is AuthKit's loading and isAuthenticated is !!user; the
// fetcher depends on the user object. `hook` must learn the template
// description of authkit-tanstack-react-start (`learn::template`).

import { useCallback, useMemo } from "react";
import { useAccessToken, useAuth } from "@workos/authkit-tanstack-react-start/client";

export function useAuthFromAuthKit() {
  const { loading, user } = useAuth();
  const { getAccessToken, refresh } = useAccessToken();

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
      if (!user) return null;
      const token = forceRefreshToken ? await refresh() : await getAccessToken();
      return token ?? null;
    },
    [user, refresh, getAccessToken],
  );

  return useMemo(
    () => ({ isLoading: loading, isAuthenticated: !!user, fetchAccessToken }),
    [loading, user, fetchAccessToken],
  );
}
