import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, promises as fs } from "node:fs";
import http from "node:http";
import * as os from "node:os";
import * as path from "node:path";
import { listAiLlmsResponseSchema } from "../../src/schemas";
import { EmulatorHandle } from "../../support/emulator";

/*
 * The emulator's data file must survive the process being killed at any moment:
 * `flashback-emulator --data FILE` is SIGKILLed in the middle of a stream of
 * creates and updates, several times over the same file. Each time the file
 * must parse, a fresh emulator must start on it, every acknowledged write must
 * be in it (and nothing that was never sent), its secrets must still open with
 * the key, and the temporary files of interrupted writes must not pile up.
 */

const ROOT = path.resolve(__dirname, "..", "..");
const CLI = path.join(ROOT, "dist", "emulator", "cli.js");
const TOKEN = `kill-token-${randomBytes(8).toString("hex")}`;
const ENCRYPTION_KEY = randomBytes(32).toString("hex");
const SECRET = `sk-kill-${randomBytes(8).toString("hex")}`;
const ROUNDS = 6;
const WORKERS = 6;
const SEED = Number(process.env.KILL_TEST_SEED ?? 7_331);

/** A small seeded generator (mulberry32), so a failing round can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds dist/ when it is missing (the CLI runs from there). */
function ensureBuilt(): void {
  if (existsSync(CLI)) return;
  spawnSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: ROOT });
  assert.ok(existsSync(CLI), `${CLI} is missing: run npm run build`);
}

interface Cli {
  child: ChildProcessWithoutNullStreams;
  url: string;
  exited: Promise<void>;
}

async function startCli(dataFile: string): Promise<Cli> {
  const child = spawn(process.execPath, [CLI, "--port", "0", "--data", dataFile, "--token", TOKEN], {
    cwd: ROOT,
    env: { ...process.env, FLASHBACK_EMULATOR_KEY: ENCRYPTION_KEY },
  });
  let out = "";
  let err = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const deadline = Date.now() + 15_000;
  for (;;) {
    const match = /Flashback emulator listening on (http:\/\/\S+)/.exec(out);
    if (match) return { child, url: match[1], exited };
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the emulator did not start on the data file: ${err}${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** One JSON request on a fresh connection; rejects when the connection breaks. */
function call(
  url: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const { hostname, port } = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        method,
        path: p,
        agent: false,
        headers: {
          authorization: `Bearer ${TOKEN}`,
          ...(payload
            ? { "content-type": "application/json", "content-length": String(payload.length) }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            resolve({
              status: res.statusCode ?? 0,
              json: JSON.parse(Buffer.concat(chunks).toString("utf8")),
            });
          } catch (error) {
            reject(error as Error);
          }
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** What the driver knows about one configuration it created. */
interface Tracked {
  /** Names sent for it, in order (the create first, then renames), with whether each was acknowledged. */
  names: Array<{ name: string; acked: boolean }>;
}

/** Everything the driver sent over all rounds. */
interface Ledger {
  ackedCreates: number;
  /** Creates whose answer never came (the kill cut them): applied or not, nobody knows. */
  unknownCreates: number;
  /** Acknowledged configurations by id. */
  byId: Map<string, Tracked>;
  /** Every name ever sent, created or renamed to. */
  sentNames: Set<string>;
}

/** Drives creates and renames from WORKERS loops until `stop` is set; each worker owns its ids. */
async function drive(
  url: string,
  ledger: Ledger,
  random: () => number,
  stop: { now: boolean },
  round: number,
): Promise<void> {
  const worker = async (w: number): Promise<void> => {
    const mine: string[] = [];
    let n = 0;
    while (!stop.now) {
      n += 1;
      const name = `r${round}-w${w}-${n}`;
      ledger.sentNames.add(name);
      if (mine.length === 0 || random() < 0.55) {
        try {
          const res = await call(url, "POST", "/ai/llm", {
            name,
            aiType: "OPENAI",
            endpoint: "https://api.openai.com/v1",
            secret: SECRET,
            key: `key-${name}`,
            workspaceId: `ws-${w % 2}`,
          });
          assert.equal(res.status, 200, JSON.stringify(res.json));
          ledger.ackedCreates += 1;
          const id = String(res.json.aiLlmId);
          ledger.byId.set(id, { names: [{ name, acked: true }] });
          mine.push(id);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          ledger.unknownCreates += 1;
          return;
        }
      } else {
        const id = mine[Math.floor(random() * mine.length)];
        const entry = { name, acked: false };
        ledger.byId.get(id)?.names.push(entry);
        try {
          const res = await call(url, "PUT", `/ai/llm/${id}`, { name, secret: `${SECRET}-${n}` });
          assert.equal(res.status, 200, JSON.stringify(res.json));
          entry.acked = true;
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          return;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
}

/** Temporary files the atomic writer leaves next to the data file. */
async function tempFiles(dir: string): Promise<string[]> {
  return (await fs.readdir(dir)).filter((f) => f.endsWith(".tmp"));
}

describe("robustness: the data file when the emulator is killed mid-write", function () {
  this.timeout(120_000);
  let dir: string;
  const children: Cli[] = [];

  before(ensureBuilt);
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-kill-"));
  });
  afterEach(async () => {
    for (const cli of children.splice(0)) {
      if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGKILL");
      await cli.exited;
    }
    await fs.rm(dir, { recursive: true, force: true });
  });

  it(`stays readable, complete and bounded over ${ROUNDS} SIGKILLs at random moments (seed ${SEED})`, async () => {
    const random = prng(SEED);
    const dataFile = path.join(dir, "data.json");
    const ledger: Ledger = { ackedCreates: 0, unknownCreates: 0, byId: new Map(), sentNames: new Set() };
    const tempCounts: number[] = [];

    for (let round = 1; round <= ROUNDS; round++) {
      const cli = await startCli(dataFile);
      children.push(cli);
      const stop = { now: false };
      const driving = drive(cli.url, ledger, random, stop, round);
      const before = ledger.ackedCreates;
      // Let at least one write land, then kill at a random moment of the stream.
      while (ledger.ackedCreates === before) await new Promise((resolve) => setTimeout(resolve, 2));
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(random() * 300)));
      cli.child.kill("SIGKILL");
      await cli.exited;
      stop.now = true;
      await driving;

      const where = `round ${round} (seed ${SEED})`;
      // 1. The file is whole JSON of the expected shape.
      const text = await fs.readFile(dataFile, "utf8");
      let parsed: { version?: unknown; aiLlms?: unknown };
      try {
        parsed = JSON.parse(text);
      } catch {
        assert.fail(`${where}: the data file is not valid JSON after the kill (${text.length} bytes)`);
      }
      assert.equal(parsed.version, 2, where);
      assert.ok(Array.isArray(parsed.aiLlms), where);
      assert.ok(!text.includes(SECRET), `${where}: a secret is in the data file in plain text`);

      // 2. A fresh emulator starts on it and lists what was acknowledged, and no more than was sent.
      const fresh = await EmulatorHandle.start({ dataFile, encryptionKey: ENCRYPTION_KEY, tokens: [TOKEN] });
      try {
        const listed = listAiLlmsResponseSchema.parse((await fresh.api("GET", "/ai/llm")).body).aiLlms;
        assert.ok(
          listed.length >= ledger.ackedCreates,
          `${where}: ${listed.length} listed, but ${ledger.ackedCreates} creates were acknowledged`,
        );
        assert.ok(
          listed.length <= ledger.ackedCreates + ledger.unknownCreates,
          `${where}: ${listed.length} listed, more than ${ledger.ackedCreates} acknowledged + ${ledger.unknownCreates} in flight`,
        );
        const byId = new Map(listed.map((c) => [c.id, c]));
        for (const [id, tracked] of ledger.byId) {
          const live = byId.get(id);
          assert.ok(live, `${where}: acknowledged configuration ${id} is missing`);
          // Its name is the last acknowledged one, or one sent after it whose answer was cut off.
          const lastAcked = tracked.names.map((x) => x.acked).lastIndexOf(true);
          const allowed = tracked.names.slice(lastAcked).map((x) => x.name);
          assert.ok(
            allowed.includes(live.name),
            `${where}: ${id} is named ${live.name}, expected one of ${allowed.join(", ")}`,
          );
        }
        for (const c of listed)
          assert.ok(ledger.sentNames.has(c.name), `${where}: unexpected configuration ${c.name}`);
        // The sealed secrets still open with the key: validation reads them.
        const sample = listed[Math.floor(random() * listed.length)];
        const validated = await fresh.api("POST", `/ai/llm/${sample.id}/validate`);
        assert.equal(validated.status, 200);
        assert.equal(validated.body.success, true, `${where}: ${JSON.stringify(validated.body)}`);
      } finally {
        await fresh.close();
      }

      // 3. Interrupted writes do not leave a growing pile of temporary files.
      const leftovers = await tempFiles(dir);
      tempCounts.push(leftovers.length);
      assert.ok(
        leftovers.length <= 1,
        `${where}: ${leftovers.length} temporary files left: ${leftovers.join(", ")}`,
      );
    }
    assert.ok(ledger.ackedCreates >= ROUNDS, "the stream made progress");
  });
});
