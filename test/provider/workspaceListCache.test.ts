import assert from "node:assert/strict";
import { WorkspaceListCache } from "../../src/provider/workspaceListCache";
import type { AiLlmConfiguration } from "../../src/schemas";

function countingLister() {
  const calls: string[] = [];
  let version = 0;
  const lister = async (workspaceId: string): Promise<AiLlmConfiguration[]> => {
    calls.push(workspaceId);
    version += 1;
    return [
      { id: `v${version}`, workspaceId, name: "n", aiType: "OPENAI", endpoint: "https://x" },
    ] as AiLlmConfiguration[];
  };
  return { calls, lister };
}

describe("workspace list cache", () => {
  it("coalesces concurrent lists of one workspace into one call", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 1 });
    const results = await Promise.all(Array.from({ length: 50 }, () => cache.list("ws-1")));
    assert.equal(calls.length, 1);
    assert.ok(results.every((r) => r[0].id === "v1"));
  });

  it("keeps workspaces apart", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 1 });
    await Promise.all([cache.list("ws-1"), cache.list("ws-2"), cache.list("ws-1")]);
    assert.deepEqual(calls.sort(), ["ws-1", "ws-2"]);
  });

  it("reuses a settled list within the ttl and fetches again after it", async () => {
    let now = 1_000;
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 0, ttlMs: 100, now: () => now });
    await cache.list("ws-1");
    now += 50;
    await cache.list("ws-1");
    assert.equal(calls.length, 1);
    now += 100;
    assert.equal((await cache.list("ws-1"))[0].id, "v2");
    assert.equal(calls.length, 2);
  });

  it("fetches again after a write invalidates the workspace", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 0 });
    await cache.list("ws-1");
    cache.invalidate("ws-1");
    assert.equal((await cache.list("ws-1"))[0].id, "v2");
    assert.equal(calls.length, 2);
  });

  it("keeps a list that has not been sent yet when a write invalidates the workspace", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 20 });
    const first = cache.list("ws-1");
    cache.invalidate("ws-1");
    const second = cache.listSentAfter("ws-1", Date.now());
    assert.equal(await first, await second);
    assert.equal(calls.length, 1);
  });

  it("serves listSentAfter only from a list sent after the given time", async () => {
    let now = 1_000;
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { gatherMs: 0, now: () => now });
    await cache.list("ws-1");
    assert.equal((await cache.listSentAfter("ws-1", 1_000))[0].id, "v1");
    now = 2_000;
    assert.equal((await cache.listSentAfter("ws-1", 1_500))[0].id, "v2");
    assert.equal(calls.length, 2);
  });

  it("does not keep a failed list", async () => {
    let fail = true;
    const cache = new WorkspaceListCache(
      async () => {
        if (fail) throw new Error("boom");
        return [];
      },
      { gatherMs: 0 },
    );
    await assert.rejects(cache.list("ws-1"), /boom/);
    fail = false;
    assert.deepEqual(await cache.list("ws-1"), []);
  });

  it("a read-back list gathers the creates that land within its window, so one list serves them", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { readBackWindowMs: 10_000, quietMs: 1_000 });
    const landed = Array.from({ length: 16 }, () => cache.holdForCreate("ws-1"));
    const other = cache.list("ws-2");
    const readBacks: Promise<AiLlmConfiguration[]>[] = [];
    for (const land of landed) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      const since = Date.now();
      land();
      readBacks.push(cache.listSentAfter("ws-1", since));
    }
    await Promise.all([...readBacks, other]);
    assert.deepEqual(calls, ["ws-2", "ws-1"], "another workspace is not held; ws-1 is listed once");
  });

  it("sends a read-back list at the end of its window even while creates keep landing", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { readBackWindowMs: 60, quietMs: 1_000 });
    const stuck = cache.holdForCreate("ws-1");
    const started = Date.now();
    await cache.listSentAfter("ws-1", started);
    assert.ok(Date.now() - started >= 55, `sent after ${Date.now() - started} ms`);
    assert.equal(calls.length, 1);
    stuck();
    stuck();
  });

  it("sends a read-back list once the workspace is quiet, well before the window ends", async () => {
    const { calls, lister } = countingLister();
    const cache = new WorkspaceListCache(lister, { readBackWindowMs: 10_000, quietMs: 30 });
    cache.holdForCreate("ws-1")();
    const started = Date.now();
    await cache.listSentAfter("ws-1", started);
    assert.ok(Date.now() - started < 5_000, `sent after ${Date.now() - started} ms`);
    assert.equal(calls.length, 1);
  });
});
