"use client";
// Error boundary for pages: shows the digest the server logged, never internals.
import { useEffect } from "react";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <div role="alert" className="card mx-auto mt-8 max-w-lg p-6">
      <h1 className="text-[16px] font-semibold text-red-800">Something went wrong</h1>
      <p className="mt-2 text-neutral-600">
        The page could not be rendered. The details are in the server log
        {error.digest ? (
          <>
            {" "}
            (reference <code className="font-mono">{error.digest}</code>)
          </>
        ) : null}
        .
      </p>
      <button type="button" className="btn mt-4" onClick={reset}>
        Try again
      </button>
    </div>
  );
}
