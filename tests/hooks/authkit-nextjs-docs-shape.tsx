// A hook of the shape the Convex docs' AuthKit page gives for Next.js
// (convex-backend 94a42c3, npm-packages/docs/docs/auth/authkit/add-to-app.mdx
// l.531-583), written here from its facts: no user means no token; a forced
// fetch calls refresh(), any other getAccessToken(); any error becomes null;
// isLoading is AuthKit's loading and isAuthenticated is !!user; the fetcher
// depends on the user object. `hook` must learn the template description of
// authkit-nextjs (`learn::template`), which is this hook.

import { useCallback } from "react";
import { useAccessToken, useAuth } from "@workos-inc/authkit-nextjs/components";

export function useAuthFromAuthKit() {
  const { user, loading } = useAuth();
  const { getAccessToken, refresh } = useAccessToken();

  const fetchAccessToken = useCallback(
    async ({ forceRefreshToken }: { forceRefreshToken: boolean }): Promise<string | null> => {
      if (!user) return null;
      try {
        const token = forceRefreshToken ? await refresh() : await getAccessToken();
        return token ?? null;
      } catch {
        return null;
      }
    },
    [user, refresh, getAccessToken],
  );

  return { isLoading: loading, isAuthenticated: !!user, fetchAccessToken };
}
