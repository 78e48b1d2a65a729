// A file with a syntax error: `hook` names the file, line and column (exit 2).
import { useAuth } from "@workos-inc/authkit-react";

export function useAuthFromAuthKit() {
  const { user } = useAuth(;
  return user;
}
