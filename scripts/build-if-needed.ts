// Builds the Next.js app when its sources changed since the last build
// (a hash of the inputs is kept next to the build output).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const INPUT_DIRS = ["app", "lib", "prisma"];
const INPUT_FILES = ["next.config.js", "postcss.config.mjs", "tsconfig.json", "tsconfig.app.json", "package-lock.json"];
const STAMP = path.join(root, ".next", "modelshelf-build-stamp");

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return out;
    throw error;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    // lib/generated follows from prisma/schema.prisma.
    if (entry.isDirectory() && entry.name === "generated") continue;
    if (entry.isDirectory()) out.push(...(await listFiles(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

export async function sourceHash(): Promise<string> {
  const hash = createHash("sha256");
  const files = [
    ...(await Promise.all(INPUT_DIRS.map((dir) => listFiles(path.join(root, dir))))).flat(),
    ...INPUT_FILES.map((file) => path.join(root, file)),
  ].sort();
  for (const file of files) {
    hash.update(path.relative(root, file));
    try {
      hash.update(await readFile(file));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }
  return hash.digest("hex");
}

export async function buildIfNeeded(log: (line: string) => void = console.log): Promise<boolean> {
  const wanted = await sourceHash();
  let current = "";
  try {
    current = (await readFile(STAMP, "utf8")).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (current === wanted) return false;
  log("building the web app (next build)…");
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "node_modules", "next", "dist", "bin", "next"), "build"], {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", CHECKPOINT_DISABLE: "1" },
    });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`next build exited with ${code}`))));
  });
  await writeFile(STAMP, `${wanted}\n`);
  return true;
}
