"use client";
// Sets <html data-hydrated> once React has hydrated the page: until then the
// keyboard shortcuts and action buttons are inert, so browser tests wait for it.
import { useEffect } from "react";

export function HydrationMarker() {
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return null;
}
