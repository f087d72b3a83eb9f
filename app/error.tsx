"use client";
// Error boundary for pages: shows the digest the server logged, never internals.
import { useEffect } from "react";
import { ErrorPanel } from "./_components/error-panel.tsx";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <ErrorPanel title="Something went wrong" digest={error.digest} reset={reset} marginTop="mt-8">
      The page could not be rendered. The details are in the server log
    </ErrorPanel>
  );
}
