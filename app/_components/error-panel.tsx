// The body of both error boundaries (app/error.tsx, app/global-error.tsx): what
// failed, the digest the server logged (never internals) and a retry. Rendered
// only from those client components, since `reset` is a browser callback.
import type { ReactNode } from "react";

export function ErrorPanel({
  title,
  digest,
  reset,
  marginTop,
  children,
}: {
  title: string;
  digest: string | undefined;
  reset: () => void;
  marginTop: "mt-8" | "mt-16";
  /** What went wrong and where to look, ending where the digest is appended. */
  children: ReactNode;
}) {
  return (
    <div role="alert" className={`card mx-auto ${marginTop} max-w-lg p-6`}>
      <h1 className="text-[16px] font-semibold text-red-800">{title}</h1>
      <p className="mt-2 text-neutral-600">
        {children}
        {digest ? (
          <>
            {" "}
            (reference <code className="font-mono">{digest}</code>)
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
