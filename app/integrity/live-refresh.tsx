"use client";
// Re-renders the server components of the current page (router.refresh(), no
// reload) on a short interval while something is in progress, e.g. a file
// being hashed; paused while the tab is hidden.
import { useRouter } from "next/navigation";
import { useEffect } from "react";

export function LiveRefresh({ active, intervalMs = 1000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const tick = () => {
      if (document.visibilityState === "visible") router.refresh();
    };
    const timer = window.setInterval(tick, intervalMs);
    // Coming back to the tab shows the current state at once.
    document.addEventListener("visibilitychange", tick);
    return () => {
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", tick);
    };
  }, [active, intervalMs, router]);
  return null;
}
