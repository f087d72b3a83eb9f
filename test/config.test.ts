import { describe, expect, it } from "vitest";
import { parseConfig, parseLibraryList } from "../lib/config.ts";

describe("configuration", () => {
  it("defaults to SQLite in ./data, 127.0.0.1:3000 and no libraries", () => {
    const config = parseConfig({}, "/srv/modelshelf");
    expect(config).toMatchObject({
      dataDir: "/srv/modelshelf/data",
      dbFile: "/srv/modelshelf/data/modelshelf.db",
      host: "127.0.0.1",
      port: 3000,
      libraries: [],
      missingGuardPercent: 20,
    });
  });

  it("accepts library roots separated by commas or newlines, or as a JSON array", () => {
    expect(parseLibraryList("/mnt/a, /mnt/b\n/mnt/c")).toEqual(["/mnt/a", "/mnt/b", "/mnt/c"]);
    expect(parseLibraryList('["/mnt/with,comma"]')).toEqual(["/mnt/with,comma"]);
  });

  it("resolves relative library roots against the working directory but keeps URLs", () => {
    const config = parseConfig({ MODELSHELF_LIBRARIES: "models,nfs://nas/volume1/models" }, "/srv/app");
    expect(config.libraries).toEqual(["/srv/app/models", "nfs://nas/volume1/models"]);
  });

  it("fails naming every bad key", () => {
    expect(() => parseConfig({ MODELSHELF_PORT: "99999", MODELSHELF_WATCH: "sometimes" })).toThrow(
      /MODELSHELF_PORT.*MODELSHELF_WATCH|MODELSHELF_WATCH.*MODELSHELF_PORT/,
    );
  });
});
