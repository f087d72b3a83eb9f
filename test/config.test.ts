import os from "node:os";
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

  it("serves the registry on port 5050 of the web app's address by default, reachable by this machine's name", () => {
    const config = parseConfig({ MODELSHELF_HOST: "0.0.0.0" }, "/srv/app");
    expect(config.registry).toEqual({ host: "0.0.0.0", port: 5050, publicUrl: `http://${os.hostname()}:5050` });
  });

  it("takes the registry's bind address, port and public URL from the environment", () => {
    const config = parseConfig(
      { MODELSHELF_HOST: "127.0.0.1", MODELSHELF_REGISTRY_HOST: "0.0.0.0", MODELSHELF_REGISTRY_PORT: "6000", MODELSHELF_REGISTRY_URL: "http://NAS-Tools.lan:5050/" },
      "/srv/app",
    );
    expect(config.registry).toEqual({ host: "0.0.0.0", port: 6000, publicUrl: "http://nas-tools.lan:5050" });
  });

  it("disables the registry with port 0, leaving no URL for hosts to pull from", () => {
    expect(parseConfig({ MODELSHELF_REGISTRY_PORT: "0" }).registry).toMatchObject({ port: 0, publicUrl: null });
    expect(parseConfig({ MODELSHELF_REGISTRY_PORT: "0", MODELSHELF_REGISTRY_URL: "" }).registry.publicUrl).toBeNull();
  });

  it("refuses a registry URL with a path, a non-HTTP scheme or garbage, naming the key", () => {
    for (const bad of ["http://nas:5050/registry", "ftp://nas:5050", "nas:5050 and more", "http://user:pw@nas:5050"]) {
      expect(() => parseConfig({ MODELSHELF_REGISTRY_URL: bad })).toThrow(/MODELSHELF_REGISTRY_URL/);
    }
    expect(() => parseConfig({ MODELSHELF_REGISTRY_PORT: "70000" })).toThrow(/MODELSHELF_REGISTRY_PORT/);
  });
});
