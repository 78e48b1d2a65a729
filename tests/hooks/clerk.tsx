// A hook over Clerk's SDK, which `hook` does not run yet (exit 2).
import { useAuth } from "@clerk/clerk-react";

export function useAuthFromClerk() {
  const { isLoaded, isSignedIn, getToken } = useAuth();
  return { isLoading: !isLoaded, isAuthenticated: !!isSignedIn, fetchAccessToken: () => getToken({ template: "convex" }) };
}
