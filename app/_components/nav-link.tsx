"use client";
// Top-nav link that marks itself current (needs the pathname, hence a client component).
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

export function NavLink({ href, children }: { href: string; children: ReactNode }) {
  const pathname = usePathname();
  const active = href === "/" ? pathname === "/" || pathname.startsWith("/models") : pathname.startsWith(href);
  return (
    <Link
      href={href}
      aria-current={active ? "page" : undefined}
      className={`flex h-full items-center border-b-2 px-1 text-[13px] ${
        active ? "border-white font-medium text-white" : "border-transparent text-neutral-300 hover:text-white"
      }`}
    >
      {children}
    </Link>
  );
}
