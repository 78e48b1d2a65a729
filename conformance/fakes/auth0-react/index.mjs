// A stand-in for @auth0/auth0-react, for the conformance driver only. convex's
// ConvexProviderWithAuth0 calls useAuth0() and reads isLoading, isAuthenticated and
// getAccessTokenSilently (auth0-react 2.27.0 src/auth0-context.tsx). The driver
// installs what the hook returns for the current render.
export function useAuth0() {
  const current = globalThis.__replayAuth0;
  if (!current) throw new Error("the replay driver has not installed useAuth0's state");
  return current();
}
