"use client";
// Copies a block of text. The Clipboard API needs a secure context, which a
// plain-http console on a LAN address is not, so it falls back to a selection copy.
import { useState } from "react";

function copyWithSelection(text: string): boolean {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  return ok;
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [status, setStatus] = useState<"idle" | "copied" | "failed">("idle");

  async function copy() {
    let ok: boolean;
    if (navigator.clipboard && window.isSecureContext) {
      ok = await navigator.clipboard.writeText(text).then(
        () => true,
        () => copyWithSelection(text),
      );
    } else {
      ok = copyWithSelection(text);
    }
    setStatus(ok ? "copied" : "failed");
    window.setTimeout(() => setStatus("idle"), 1500);
  }

  return (
    <button type="button" className="btn" onClick={copy} aria-live="polite">
      {status === "copied" ? "Copied" : status === "failed" ? "Copy failed" : label}
    </button>
  );
}
