"use client";
// Last-resort boundary for failures in the root layout itself (e.g. the
// catalogue database cannot be opened): it replaces the whole document.
import { ErrorPanel } from "./_components/error-panel.tsx";
import "./globals.css";

export default function GlobalError({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <ErrorPanel title="ModelShelf could not start this page" digest={error.digest} reset={reset} marginTop="mt-16">
          The server failed before the page could be drawn — most often the catalogue database is unreachable. Check{" "}
          <code className="font-mono">GET /api/health</code> and the server log
        </ErrorPanel>
      </body>
    </html>
  );
}
