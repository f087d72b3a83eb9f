"use client";
// Keyboard control for the catalogue: "/" focuses the search, Esc clears it,
// j/k or ↓/↑ move the row highlight, Enter opens the model, n/p change page.
// Filter selects submit on change. The table itself is server-rendered; this
// island only toggles a data attribute on its rows.
import { useRouter } from "next/navigation";
import { useEffect } from "react";

interface CatalogueKeysProps {
  formId: string;
  searchId: string;
  prevHref: string | null;
  nextHref: string | null;
  /** Whether the current URL has a search, so Esc also resets the list. */
  hasQuery: boolean;
}

function isTyping(target: EventTarget | null): boolean {
  return (
    target instanceof HTMLElement &&
    (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName))
  );
}

export function CatalogueKeys({ formId, searchId, prevHref, nextHref, hasQuery }: CatalogueKeysProps) {
  const router = useRouter();

  useEffect(() => {
    // Looked up on each event: the form is re-mounted whenever the URL changes.
    const form = () => document.getElementById(formId);
    const search = () => document.getElementById(searchId);
    const rows = () => Array.from(document.querySelectorAll<HTMLTableRowElement>("tr[data-row]"));
    // The highlight lives in the DOM, so it resets by itself when a navigation renders new rows.
    const current = () => rows().findIndex((row) => row.dataset.active === "true");
    const move = (delta: number) => {
      const all = rows();
      if (all.length === 0) return;
      const from = current();
      const next = from === -1 ? (delta > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, from + delta));
      all.forEach((row, i) => row.setAttribute("data-active", String(i === next)));
      all[next]?.scrollIntoView({ block: "nearest" });
    };

    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey) return;
      const input = search();
      if (event.target === input && event.key === "Escape" && input instanceof HTMLInputElement) {
        event.preventDefault();
        input.value = "";
        input.blur();
        const filters = form();
        if (hasQuery && filters instanceof HTMLFormElement) filters.requestSubmit();
        return;
      }
      if (isTyping(event.target)) return;
      switch (event.key) {
        case "/":
          event.preventDefault();
          input?.focus();
          if (input instanceof HTMLInputElement) input.select();
          break;
        case "j":
        case "ArrowDown":
          event.preventDefault();
          move(1);
          break;
        case "k":
        case "ArrowUp":
          event.preventDefault();
          move(-1);
          break;
        case "Enter": {
          const href = rows()[current()]?.dataset.href;
          if (href) {
            event.preventDefault();
            router.push(href);
          }
          break;
        }
        case "n":
          if (nextHref) router.push(nextHref);
          break;
        case "p":
          if (prevHref) router.push(prevHref);
          break;
      }
    };

    const onChange = (event: Event) => {
      if (event.target instanceof HTMLSelectElement && event.target.form?.id === formId) event.target.form.requestSubmit();
    };

    document.addEventListener("keydown", onKey);
    document.addEventListener("change", onChange);
    return () => {
      document.removeEventListener("keydown", onKey);
      document.removeEventListener("change", onChange);
    };
  }, [formId, searchId, prevHref, nextHref, hasQuery, router]);

  return null;
}
