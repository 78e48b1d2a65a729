// A file with no hook and no component: `hook` lists its exports (exit 2).
import { useAuth } from "@workos-inc/authkit-react";

export const sdkHook = useAuth;
export function fetchToken(): Promise<string | null> {
  return Promise.resolve(null);
}
