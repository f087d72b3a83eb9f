// The pusher process's own logic: which hosts are due a poll, how saved settings
// reach running pushes, and the context size a push takes from the host profile.
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { maxContext } from "../../lib/capacity/fit-model.ts";
import { parseHostProfile } from "../../lib/capacity/host-profile.ts";
import { modelShapeFromGguf } from "../../lib/capacity/memory-shape.ts";
import { parseConfig } from "../../lib/config.ts";
import { createPusherRuntime, registryUrlFor } from "../../lib/hosts/hosts-runtime.ts";
import { loadPushSource } from "../../lib/hosts/push-source.ts";
import { schedulePolls } from "../../lib/hosts/run-pusher.ts";
import { listFitModels } from "../../lib/plans/queries.ts";
import { hostsSettingsSchema } from "../../lib/settings/hosts-settings.ts";
import { createPushableLibrary, tinyLlama, type PushableLibrary } from "../helpers/pushable-library.ts";
import { createTempDb, type TempDb } from "../helpers/temp-db.ts";

let temp: TempDb;
let library: PushableLibrary;

beforeAll(async () => {
  temp = await createTempDb("modelshelf-pusher-runtime-");
  library = await createPushableLibrary(temp.db, path.join(temp.dir, "models"), { "Alpha-F16.gguf": tinyLlama(1, "Alpha") });
});
afterAll(async () => {
  await temp.cleanup();
});

describe("schedulePolls", () => {
  it("queues one poll per enabled host whose last poll is older than the interval, never twice", async () => {
    const now = new Date("2026-11-27T12:00:00Z");
    const base = { kind: "ollama", baseUrl: "http://10.0.0.5:11434" };
    const never = await temp.db.inferenceHost.create({ data: { ...base, name: "never" } });
    const stale = await temp.db.inferenceHost.create({ data: { ...base, name: "stale", lastPolledAt: new Date(now.getTime() - 120_000) } });
    await temp.db.inferenceHost.create({ data: { ...base, name: "fresh", lastPolledAt: new Date(now.getTime() - 10_000) } });
    await temp.db.inferenceHost.create({ data: { ...base, name: "off", enabled: false } });
    expect(await schedulePolls(temp.db, 60, now)).toBe(2);
    await schedulePolls(temp.db, 60, now);
    const polls = await temp.db.job.findMany({ where: { name: "hosts.poll-host" } });
    expect(polls.map((j) => JSON.parse(j.payloadJson).hostId).sort()).toEqual([never.id, stale.id].sort());
  });
});

describe("createPusherRuntime", () => {
  it("applies the saved bandwidth cap and request timeout to the shared throttle", () => {
    const runtime = createPusherRuntime(parseConfig({ MODELSHELF_REGISTRY_PORT: "5050", MODELSHELF_REGISTRY_URL: "http://nas-tools.lan:5050" }));
    expect(runtime.throttle!.bytesPerSecond).toBeNull();
    runtime.apply(hostsSettingsSchema.parse({ pushBandwidthMBps: 50, requestTimeoutSeconds: 7 }));
    expect(runtime.throttle!.bytesPerSecond).toBe(50e6);
    expect(runtime.requestTimeoutMs()).toBe(7_000);
    expect(runtime.extras()).toEqual({ registryUrl: "http://nas-tools.lan:5050", load: false });
    runtime.apply(hostsSettingsSchema.parse({}));
    expect(runtime.throttle!.bytesPerSecond).toBeNull();
  });

  it("offers no registry URL for pulls when the registry is off", () => {
    expect(registryUrlFor(parseConfig({ MODELSHELF_REGISTRY_PORT: "0" }))).toBeNull();
  });
});

describe("loadPushSource", () => {
  it("suggests the largest context the host profile fits (the Fit page's estimate), and none without a profile", async () => {
    const ref = library.refOf("alpha");
    const profile = { name: "Small box", ramGB: 1, gpus: [], unifiedMemory: false, osReserveGB: 0.5 };
    const row = await temp.db.hostProfile.create({ data: { name: profile.name, profileJson: JSON.stringify(profile) } });
    const withProfile = await loadPushSource(temp.db, ref, { hostProfileId: row.id });
    const fit = (await listFitModels(temp.db)).find((m) => m.id === ref.modelId)!;
    const expected = maxContext(modelShapeFromGguf(fit), parseHostProfile(profile)).contextLength;
    expect(expected).not.toBeNull();
    expect(withProfile.contextSize).toBe(expected);
    expect((await loadPushSource(temp.db, ref)).contextSize).toBeNull();
    expect(withProfile.files).toEqual([expect.objectContaining({ relPath: "Alpha-F16.gguf", fileName: "Alpha-F16.gguf", shardIndex: 0 })]);
  });
});
