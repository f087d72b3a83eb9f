// Next.js configuration. The app is air-gapped: no telemetry, no remote
// images or fonts; hasha's worker thread breaks when bundled.
/** @type {import('next').NextConfig} */
const nextConfig = {
  serverExternalPackages: ["hasha", "better-sqlite3", "chokidar"],
  poweredByHeader: false,
  images: { unoptimized: true },
  typescript: { tsconfigPath: "tsconfig.json" },
};

export default nextConfig;
