import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { FlashbackClient, isFlashbackError } from "../../src/client";
import { EmulatorHandle } from "../../support/emulator";

/*
 * Names are unique per workspace: that is what lets the provider find a create
 * whose answer was lost. So N simultaneous creates of one name must give exactly
 * one configuration, one 200 and N-1 400s, whichever way they arrive, and with
 * persistence on, the data file must agree.
 */

const TOKEN = `concurrency-token-${randomBytes(8).toString("hex")}`;
const SECRET = `sk-concurrency-${randomBytes(8).toString("hex")}`;
const PARALLEL = 20;

function body(name: string, workspaceId = "ws-a"): Record<string, unknown> {
  return { name, aiType: "OPENAI", endpoint: "https://api.openai.com/v1", secret: SECRET, workspaceId };
}

describe("robustness: concurrent creates of one name", function () {
  this.timeout(60_000);
  let dir: string;
  let dataFile: string;
  let emu: EmulatorHandle;

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-concurrency-"));
    dataFile = path.join(dir, "data.json");
    emu = await EmulatorHandle.start({ tokens: [TOKEN], dataFile, encryptionKey: "concurrency" });
  });
  beforeEach(() => emu.reset());
  after(async () => {
    await emu?.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  /** Stored configurations of this name and workspace, per the control API and per the data file. */
  async function stored(name: string, workspaceId = "ws-a"): Promise<{ live: string[]; onDisk: string[] }> {
    const live = (await emu.state()).aiLlms
      .filter((c) => c.name === name && c.workspaceId === workspaceId)
      .map((c) => c.id);
    const file = JSON.parse(await fs.readFile(dataFile, "utf8")) as {
      aiLlms: Array<{ id: string; name: string; workspaceId: string }>;
    };
    const onDisk = file.aiLlms
      .filter((c) => c.name === name && c.workspaceId === workspaceId)
      .map((c) => c.id);
    return { live, onDisk };
  }

  it(`${PARALLEL} parallel raw POSTs: one 200, the rest 400, one configuration`, async () => {
    const name = `raced-${randomBytes(4).toString("hex")}`;
    const payload = JSON.stringify(body(name));
    // Released together; the pool opens one connection per request in flight.
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, () =>
        fetch(`${emu.url}/ai/llm`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${TOKEN}`,
            "content-type": "application/json",
            connection: "close",
          },
          body: payload,
        }).then(async (r) => ({ status: r.status, json: (await r.json()) as Record<string, unknown> })),
      ),
    );
    const ok = answers.filter((a) => a.status === 200);
    const refused = answers.filter((a) => a.status === 400);
    assert.equal(ok.length, 1, `statuses: ${answers.map((a) => a.status).join(",")}`);
    assert.equal(refused.length, PARALLEL - 1, `statuses: ${answers.map((a) => a.status).join(",")}`);
    for (const r of refused) {
      assert.equal(r.json.success, false);
      assert.match(String(r.json.message), /already exists/);
    }
    const { live, onDisk } = await stored(name);
    assert.deepEqual(live, [ok[0].json.aiLlmId]);
    assert.deepEqual(onDisk, live, "the data file agrees");
  });

  it(`${PARALLEL} parallel FlashbackClient creates: one resolves, the rest fail BAD_REQUEST, one configuration`, async () => {
    const name = `client-raced-${randomBytes(4).toString("hex")}`;
    // Several clients (several connection pools) and several calls on each.
    const clients = Array.from(
      { length: 4 },
      () =>
        new FlashbackClient({
          baseUrl: emu.url,
          accessToken: TOKEN,
          retryBaseDelayMs: 1,
          retryMaxDelayMs: 5,
        }),
    );
    try {
      const results = await Promise.allSettled(
        Array.from({ length: PARALLEL }, (_, i) =>
          clients[i % clients.length].createAiLlm(body(name) as never),
        ),
      );
      const fulfilled = results.filter((r) => r.status === "fulfilled");
      const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
      assert.equal(fulfilled.length, 1, `fulfilled ${fulfilled.length}`);
      assert.equal(rejected.length, PARALLEL - 1);
      for (const r of rejected) {
        assert.ok(isFlashbackError(r.reason), String(r.reason));
        assert.equal(r.reason.code, "BAD_REQUEST", r.reason.message);
        assert.equal(r.reason.status, 400);
      }
      const { live, onDisk } = await stored(name);
      assert.deepEqual(live, [(fulfilled[0] as PromiseFulfilledResult<{ aiLlmId: string }>).value.aiLlmId]);
      assert.deepEqual(onDisk, live);
    } finally {
      await Promise.all(clients.map((c) => c.close()));
    }
  });

  it("the same name in different workspaces, in parallel: one per workspace", async () => {
    const name = `shared-${randomBytes(4).toString("hex")}`;
    const workspaces = ["ws-a", "ws-b", "ws-c", "ws-d"];
    const answers = await Promise.all(
      Array.from({ length: PARALLEL }, (_, i) =>
        emu.api("POST", "/ai/llm", body(name, workspaces[i % workspaces.length]), TOKEN),
      ),
    );
    assert.equal(answers.filter((a) => a.status === 200).length, workspaces.length);
    assert.equal(answers.filter((a) => a.status === 400).length, PARALLEL - workspaces.length);
    for (const workspaceId of workspaces) {
      const { live, onDisk } = await stored(name, workspaceId);
      assert.equal(live.length, 1, workspaceId);
      assert.deepEqual(onDisk, live);
    }
  });

  it("parallel renames to one name: exactly one wins", async () => {
    const ids: string[] = [];
    for (let i = 0; i < PARALLEL; i++) {
      const res = await emu.api("POST", "/ai/llm", body(`before-${i}`), TOKEN);
      assert.equal(res.status, 200);
      ids.push(res.body.aiLlmId as string);
    }
    const target = `renamed-${randomBytes(4).toString("hex")}`;
    const answers = await Promise.all(
      ids.map((id) => emu.api("PUT", `/ai/llm/${id}`, { name: target }, TOKEN)),
    );
    assert.equal(answers.filter((a) => a.status === 200).length, 1, answers.map((a) => a.status).join(","));
    assert.equal(answers.filter((a) => a.status === 400).length, PARALLEL - 1);
    const { live, onDisk } = await stored(target);
    assert.equal(live.length, 1);
    assert.deepEqual(onDisk, live);
  });
});
