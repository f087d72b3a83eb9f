// A card with a titled header bar (title left, an optional aside right) around a
// page section; shared by the model, Integrity and Jobs pages. No hooks, so it
// renders in server and client components alike.
import type { ReactNode } from "react";

export function CardSection({
  titleId,
  anchor,
  testId,
  tone,
  title,
  aside,
  children,
}: {
  /** The heading's id; it labels the section. */
  titleId: string;
  /** The section's own id, for links such as /integrity#problems; it then scrolls clear of the top edge. */
  anchor?: string;
  testId?: string;
  /** "red" when the section holds problems an admin must act on. */
  tone?: "red";
  title: ReactNode;
  aside?: ReactNode;
  children: ReactNode;
}) {
  const red = tone === "red";
  return (
    <section aria-labelledby={titleId} id={anchor} className={`card${anchor ? " scroll-mt-4" : ""}${red ? " border-red-300" : ""}`} data-testid={testId}>
      <div className={`flex flex-wrap items-center justify-between gap-2 border-b px-3 py-2 ${red ? "border-red-200 bg-red-50" : "border-neutral-200"}`}>
        <h2 id={titleId} className={`text-[13px] font-semibold${red ? " text-red-900" : ""}`}>
          {title}
        </h2>
        {aside}
      </div>
      {children}
    </section>
  );
}
