// The warning shown on every page when the SQLite catalogue sits on a network filesystem.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describeDatabaseLocation } from "../../lib/catalog/database-location.ts";

let dir: string;
const line = (id: number, mountPoint: string, fsType: string, source: string) =>
  `${id} 1 0:${id} / ${mountPoint} rw,relatime - ${fsType} ${source} rw`;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "modelshelf-dbloc-"));
  await writeFile(
    path.join(dir, "mountinfo"),
    [line(20, "/", "ext4", "/dev/sda1"), line(30, "/mnt/nas", "nfs4", "nas:/volume1/app")].join("\n") + "\n",
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("describeDatabaseLocation", () => {
  it("warns when the catalogue file is on an NFS mount", async () => {
    const location = await describeDatabaseLocation("/mnt/nas/modelshelf/catalogue.db", path.join(dir, "mountinfo"));
    expect(location).toMatchObject({ fsType: "nfs4", isNetwork: true });
    expect(location.warning).toContain("network filesystem (nfs4)");
  });

  it("stays quiet on local disk", async () => {
    const location = await describeDatabaseLocation("/srv/modelshelf/data/catalogue.db", path.join(dir, "mountinfo"));
    expect(location).toEqual({ dbFile: "/srv/modelshelf/data/catalogue.db", fsType: "ext4", isNetwork: false, warning: null });
  });
});
