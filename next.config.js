// Next.js configuration. The app is air-gapped: no telemetry, no remote
// images or fonts; hasha's worker thread breaks when bundled.
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ["hasha", "better-sqlite3", "chokidar"],
  poweredByHeader: false,
  images: { unoptimized: true },
  // The build checks only what it ships; `npm test` type-checks everything.
  typescript: { tsconfigPath: "tsconfig.app.json" },
};

export default nextConfig;
