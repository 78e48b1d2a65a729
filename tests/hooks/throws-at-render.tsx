// A hook that throws when it renders: `hook` names the file and stops (exit 2).
import { useAuth } from "@workos-inc/authkit-react";

export function useAuthThatThrows() {
  const { user } = useAuth();
  if (user !== undefined) throw new Error("this hook throws at render");
  throw new Error("this hook throws at render");
}
