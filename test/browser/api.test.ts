// The JSON API against the real server. Needs no browser, so it always runs.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LibrarySummary, ModelDetail, ModelList } from "../../lib/catalog/queries.ts";
import { startAppServer, type AppServer } from "../helpers/app-server.ts";

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

describe("JSON API", () => {
  let app: AppServer;

  beforeAll(async () => {
    app = await startAppServer();
  });

  afterAll(async () => {
    await app?.stop();
  });

  /** The body type is the caller's claim, checked by the assertions that follow. */
  const get = async <T = ErrorBody>(path: string) => {
    const response = await fetch(`${app.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as T };
  };
  const post = async <T = ErrorBody>(path: string, body?: string) => {
    const response = await fetch(`${app.baseUrl}${path}`, { method: "POST", body, headers: { "content-type": "application/json" } });
    return { status: response.status, body: (await response.json()) as T };
  };

  describe("GET /api/v1/models", () => {
    it("lists models with numbers for sizes and facets", async () => {
      const { status, body } = await get<ModelList>("/api/v1/models");
      expect(status).toBe(200);
      expect(body.total).toBe(6);
      expect(body.rows).toHaveLength(6);
      const qwen = body.rows.find((r) => r.id === app.seeded.models.qwen7);
      expect(qwen).toMatchObject({ parameterCount: 7_615_616_512, totalBytes: 4_683_073_536, state: "ok" });
      expect(body.facets.fileTypes).toContainEqual({ value: "Q4_K_M", label: "Q4_K_M", count: 2 });
    });

    it("accepts the same parameters as the page", async () => {
      const { body } = await get<ModelList>("/api/v1/models?q=qwen&sort=totalBytes&dir=desc&pageSize=1&page=2");
      expect(body).toMatchObject({ total: 2, page: 2, pageSize: 1 });
      expect(body.rows.map((r) => r.displayName)).toEqual(["Qwen2.5 7B Instruct"]);
    });

    it.each([
      ["pageSize=100000", "pageSize"],
      ["sort=evil", "sort"],
      ["page=-1", "page"],
      ["minBytes=abc", "minBytes"],
      ["state=broken", "state"],
      ["libraryId=1%20OR%201=1", "libraryId"],
    ])("answers 422 for %s", async (query, param) => {
      const { status, body } = await get(`/api/v1/models?${query}`);
      expect(status).toBe(422);
      expect(body.error.code).toBe("invalid-input");
      expect(body.error.message).toContain(param);
    });

    it("treats SQL in the search as text", async () => {
      const { status, body } = await get<ModelList>(`/api/v1/models?q=${encodeURIComponent("' OR 1=1 --")}`);
      expect(status).toBe(200);
      expect(body.total).toBe(0);
    });
  });

  describe("GET /api/v1/models/[id]", () => {
    it("returns the model with files, tags and parsed metadata", async () => {
      const { status, body } = await get<ModelDetail>(`/api/v1/models/${app.seeded.models.qwen7}`);
      expect(status).toBe(200);
      expect(body.metadata["general.architecture"]).toBe("qwen2");
      expect(body.files).toHaveLength(2);
      expect(body.tags.map((t) => t.name)).toContain("library/qwen2.5:7b-instruct");
      expect(body.tensorTypes[0]).toMatchObject({ type: "Q4_K", count: 169 });
    });

    it("answers 404 for an unknown id", async () => {
      const { status, body } = await get("/api/v1/models/999999");
      expect(status).toBe(404);
      expect(body.error.message).toBe("model 999999 not found");
    });

    it.each(["abc", "1.5", "-3", "0", "99999999999999999999", "1e3"])("answers 422 for the id %s", async (id) => {
      const { status, body } = await get(`/api/v1/models/${id}`);
      expect(status).toBe(422);
      expect(body.error.message).toContain("model id must be a positive integer");
    });
  });

  describe("GET /api/v1/libraries", () => {
    it("lists libraries with status, mount facts and scans", async () => {
      const { status, body } = await get<{ libraries: LibrarySummary[] }>("/api/v1/libraries");
      expect(status).toBe(200);
      expect(body.libraries).toHaveLength(4);
      const archive = body.libraries.find((l) => l.id === app.seeded.libraries.archive);
      expect(archive).toMatchObject({ status: "unavailable", missingGuardTripped: true });
      const nas = body.libraries.find((l) => l.id === app.seeded.libraries.nas);
      expect(nas?.lastScan).toMatchObject({ status: "ok", bytesRead: 38_797_312 });
      expect(nas?.mount).toMatchObject({ fsType: "nfs4", nfsVersion: "4.1" });
    });
  });

  describe("POST /api/v1/libraries/[id]/scan", () => {
    it("queues a scan and answers 202 with the job id", async () => {
      const { status, body } = await post<{ jobId: number }>(`/api/v1/libraries/${app.seeded.libraries.nas}/scan`);
      expect(status).toBe(202);
      const job = await app.db.job.findUnique({ where: { id: body.jobId } });
      expect(job).toMatchObject({ name: "catalog.scan-library", state: "queued" });
      expect(JSON.parse(job?.payloadJson ?? "{}")).toMatchObject({ libraryId: app.seeded.libraries.nas, acceptMissing: false });
    });

    it("passes acceptMissing through", async () => {
      const { status, body } = await post<{ jobId: number }>(
        `/api/v1/libraries/${app.seeded.libraries.archive}/scan`,
        JSON.stringify({ acceptMissing: true }),
      );
      expect(status).toBe(202);
      const job = await app.db.job.findUnique({ where: { id: body.jobId } });
      expect(JSON.parse(job?.payloadJson ?? "{}")).toMatchObject({ acceptMissing: true });
    });

    it("answers 422 for malformed JSON, a non-object body and unknown or mistyped fields", async () => {
      const url = `/api/v1/libraries/${app.seeded.libraries.nas}/scan`;
      for (const body of ["{not json", "[1,2]", '"text"', '{"acceptMissing":"yes"}', '{"wipe":true}']) {
        const answer = await post(url, body);
        expect(answer.status, body).toBe(422);
        expect(answer.body.error.code).toBe("invalid-input");
      }
    });

    it("answers 422 for an oversized body", async () => {
      const answer = await post(`/api/v1/libraries/${app.seeded.libraries.nas}/scan`, JSON.stringify({ pad: "x".repeat(100_000) }));
      expect(answer.status).toBe(422);
      expect(answer.body.error.message).toContain("too large");
    });

    it("answers 404 for an unknown library and 422 for a malformed id", async () => {
      expect((await post("/api/v1/libraries/4242/scan")).status).toBe(404);
      expect((await post("/api/v1/libraries/nas/scan")).status).toBe(422);
    });

    it("answers 409 for a disabled library", async () => {
      await app.db.library.update({ where: { id: app.seeded.libraries.ollama }, data: { enabled: false } });
      try {
        const answer = await post(`/api/v1/libraries/${app.seeded.libraries.ollama}/scan`);
        expect(answer.status).toBe(409);
        expect(answer.body.error.message).toContain("disabled");
      } finally {
        await app.db.library.update({ where: { id: app.seeded.libraries.ollama }, data: { enabled: true } });
      }
    });
  });

  describe("GET /api/health", () => {
    it("reports the database and library counts", async () => {
      const { status, body } = await get<unknown>("/api/health");
      expect(status).toBe(200);
      expect(body).toEqual({ status: "ok", db: "ok", libraries: { total: 4, unavailable: 1 } });
    });
  });

  it("answers 503 from the health check when the database cannot be opened", async () => {
    // In this test process nothing has called getDb() yet, so the route opens this path.
    process.env.MODELSHELF_DB = "/nonexistent/modelshelf/catalogue.db";
    const { GET } = await import("../../app/api/health/route.ts");
    const response = await GET();
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "error", db: "unreachable" });
  });

  it("answers 405 for a method a route does not have", async () => {
    const response = await fetch(`${app.baseUrl}/api/v1/models`, { method: "DELETE" });
    expect(response.status).toBe(405);
  });
});
