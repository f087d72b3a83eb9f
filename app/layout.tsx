// App shell: top nav (with the counts that need attention: mismatching files,
// host drift), and the global warnings an admin must not miss (files that
// failed verification, catalogue database on a network filesystem,
// unavailable library roots).
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { describeDatabaseLocation } from "../lib/catalog/database-location.ts";
import { listUnavailableLibraries } from "../lib/catalog/queries.ts";
import { getDb } from "../lib/db/client.ts";
import { getIntegrityAlert } from "../lib/hashing/queries.ts";
import { listHosts } from "../lib/hosts/queries.ts";
import { HydrationMarker } from "./_components/hydration-marker.tsx";
import { nfsRootFacts } from "./libraries/nfs-root.tsx";
import { NavLink } from "./_components/nav-link.tsx";
import "./globals.css";

export const dynamic = "force-dynamic";

export const metadata: Metadata = {
  title: { default: "ModelShelf", template: "%s · ModelShelf" },
  description: "GGUF model catalogue",
};

/** nfs:// roots without their query options (uid, ports), as the Libraries page shows them. */
function shownLibraryPath(libraryPath: string): string {
  return nfsRootFacts(libraryPath)?.share ?? libraryPath;
}

export default async function RootLayout({ children }: { children: ReactNode }) {
  const [location, unavailable, integrity, hosts] = await Promise.all([
    describeDatabaseLocation(),
    listUnavailableLibraries(getDb()),
    getIntegrityAlert(getDb()),
    listHosts(getDb()),
  ]);
  // The same count as the Hosts page's drift total: what reconciling every host would change.
  const drift = hosts.reduce((sum, host) => sum + host.driftCount + host.surplusCount, 0);
  return (
    <html lang="en">
      <body className="min-h-screen">
        <header className="bg-neutral-900">
          <div className="mx-auto flex h-10 max-w-[1600px] items-stretch gap-5 px-4">
            <Link href="/" className="flex items-center gap-1.5 text-[14px] font-semibold tracking-tight text-white">
              <span aria-hidden className="inline-block h-3 w-3 rounded-sm bg-sky-400" />
              ModelShelf
            </Link>
            <nav aria-label="Main" className="flex items-stretch gap-4">
              <NavLink href="/">Catalogue</NavLink>
              <NavLink href="/libraries">Libraries</NavLink>
              <NavLink href="/hosts">
                Hosts
                {drift > 0 ? (
                  <span
                    className="ml-1.5 rounded-full bg-red-600 px-1.5 text-[11px] leading-4 font-semibold text-white tabular-nums"
                    title={`${drift} change(s) to reconcile: assigned models missing or different, or pushed models no longer assigned`}
                    data-testid="nav-drift-count"
                  >
                    {drift}
                  </span>
                ) : null}
              </NavLink>
              <NavLink href="/jobs">Jobs</NavLink>
              <NavLink href="/integrity">
                Integrity
                {integrity.mismatches > 0 ? (
                  <span
                    className="ml-1.5 rounded-full bg-red-600 px-1.5 text-[11px] leading-4 font-semibold text-white tabular-nums"
                    title={`${integrity.mismatches} file(s) failed verification`}
                    data-testid="nav-mismatch-count"
                  >
                    {integrity.mismatches}
                  </span>
                ) : null}
              </NavLink>
              <NavLink href="/nas">NAS check</NavLink>
              <NavLink href="/capacity">Capacity</NavLink>
              <NavLink href="/fit">Fit</NavLink>
            </nav>
          </div>
        </header>
        {integrity.mismatches > 0 ? (
          // A mismatch means a model on the share is not the file it claims to be: loud on every page.
          <div role="alert" data-testid="mismatch-banner" className="border-b border-red-800 bg-red-600 text-white">
            <div className="mx-auto flex max-w-[1600px] flex-wrap items-baseline gap-x-2 px-4 py-1.5">
              <strong className="font-semibold">
                ✗ {integrity.mismatches === 1 ? "1 file fails verification" : `${integrity.mismatches} files fail verification`}
              </strong>
              <span>
                — {integrity.mismatches === 1 ? "its content does" : "their content does"} not match the expected SHA-256 (damaged, or
                not the published file).
              </span>
              <Link href="/integrity#problems" className="font-semibold underline underline-offset-2">
                Review on Integrity →
              </Link>
            </div>
          </div>
        ) : null}
        {location.warning ? (
          <div role="alert" data-testid="db-location-warning" className="border-b border-red-300 bg-red-50 text-red-900">
            <div className="mx-auto max-w-[1600px] px-4 py-1.5">
              <strong className="font-semibold">Database on a network filesystem.</strong> {location.warning}
            </div>
          </div>
        ) : null}
        {unavailable.length > 0 ? (
          <div role="status" data-testid="unavailable-banner" className="border-b border-amber-300 bg-amber-50 text-amber-950">
            <div className="mx-auto max-w-[1600px] px-4 py-1.5">
              <strong className="font-semibold">
                {unavailable.length === 1 ? "1 library is unavailable" : `${unavailable.length} libraries are unavailable`}
              </strong>
              {unavailable.length === 1 ? " — its models are" : " — their models are"} shown as of the last good scan.
              <ul className="mt-0.5 space-y-0.5">
                {unavailable.map((library) => (
                  <li key={library.id}>
                    <Link href={`/libraries#library-${library.id}`} className="font-mono text-[12px] underline">
                      {library.label ? `${library.label} (${shownLibraryPath(library.path)})` : shownLibraryPath(library.path)}
                    </Link>
                    {library.statusReason ? <span className="text-amber-900">: {library.statusReason}</span> : null}
                  </li>
                ))}
              </ul>
            </div>
          </div>
        ) : null}
        <main className="mx-auto max-w-[1600px] px-4 py-4">{children}</main>
        <HydrationMarker />
      </body>
    </html>
  );
}
