/**
 * Hash routing (`#/settings/backup`): the server serves one page, and the browser's back
 * button and history work without it knowing the app's screens.
 */
import { useEffect, useState } from "preact/hooks";

export function currentRoute(): string {
  const h = globalThis.location.hash.replace(/^#/, "");
  return h.startsWith("/") ? h : "/";
}

export function navigate(path: string, o: { replace?: boolean } = {}): void {
  const url = `#${path}`;
  if (o.replace) {
    history.replaceState(null, "", url);
    globalThis.dispatchEvent(new HashChangeEvent("hashchange"));
  } else {
    globalThis.location.hash = url;
  }
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute());
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    globalThis.addEventListener("hashchange", on);
    return () => globalThis.removeEventListener("hashchange", on);
  }, []);
  return route;
}

/** The end-to-end encrypted backup settings and their sub-screens live under this route. */
export const E2EE = "/settings/chats/backup/e2ee";
