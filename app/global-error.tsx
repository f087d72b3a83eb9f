"use client";
// Last-resort boundary for failures in the root layout itself (e.g. the
// catalogue database cannot be opened): it replaces the whole document.
import "./globals.css";

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <div role="alert" className="card mx-auto mt-16 max-w-lg p-6">
          <h1 className="text-[16px] font-semibold text-red-800">ModelShelf could not start this page</h1>
          <p className="mt-2 text-neutral-600">
            The server failed before the page could be drawn — most often the catalogue database is unreachable. Check{" "}
            <code className="font-mono">GET /api/health</code> and the server log
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
      </body>
    </html>
  );
}
