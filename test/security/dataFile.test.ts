import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { EmulatorHandle } from "../../support/emulator";

/*
 * The emulator's `--data` file holds credentials sealed, never in plain text:
 * after creates and updates with known secrets and keys, neither the file nor
 * anything else the emulator wrote (request log, access log, state dump)
 * contains them, in plain text or in a common encoding. And the sealed values
 * are really the secrets: a restart with the same key validates them.
 */

const TOKEN = `datafile-token-${randomBytes(8).toString("hex")}`;
const PASSPHRASE = `datafile-key-${randomBytes(8).toString("hex")}`;

function credential(prefix: string): string {
  return `${prefix}-${randomBytes(16).toString("hex")}`;
}

/** The value and the encodings a careless writer might use for it. */
function forms(value: string): string[] {
  const bytes = Buffer.from(value, "utf8");
  return [
    value,
    bytes.toString("base64"),
    bytes.toString("base64url"),
    bytes.toString("hex"),
    encodeURIComponent(value),
    JSON.stringify(value).slice(1, -1),
  ];
}

function assertAbsent(text: string, values: Record<string, string>, where: string): void {
  for (const [name, value] of Object.entries(values)) {
    for (const form of forms(value)) {
      assert.ok(!text.includes(form), `${name} is in ${where} (as ${JSON.stringify(form.slice(0, 12))}…)`);
    }
  }
}

describe("security: the emulator's data file never holds a secret or key in plain text", function () {
  this.timeout(30_000);
  let dir: string;
  let dataFile: string;
  const handles: EmulatorHandle[] = [];
  const log: string[] = [];

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-datafile-"));
    dataFile = path.join(dir, "data.json");
  });
  afterEach(async () => {
    for (const h of handles.splice(0)) await h.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  async function start(): Promise<EmulatorHandle> {
    const h = await EmulatorHandle.start({
      dataFile,
      encryptionKey: PASSPHRASE,
      tokens: [TOKEN],
      log: (line) => log.push(line),
    });
    handles.push(h);
    return h;
  }

  /** Every file in the data directory (temporary files included). */
  async function everythingOnDisk(): Promise<string> {
    const names = await fs.readdir(dir);
    return (await Promise.all(names.map((n) => fs.readFile(path.join(dir, n), "utf8")))).join("\n");
  }

  it("after creates, updates and a key removal, across a restart", async () => {
    const values = {
      secretA: credential("sk-a"),
      keyA: credential("ak-a"),
      secretB: credential("sk-b"),
      keyB: credential("ak-b"),
      rotatedSecret: credential("sk-rotated"),
      rotatedKey: credential("ak-rotated"),
      // Validation fails for a secret starting with "invalid": a way to see that this exact value was kept.
      invalidSecret: credential("invalid-sk"),
    };
    const emu = await start();
    const create = async (name: string, secret: string, key?: string): Promise<string> => {
      const res = await emu.api(
        "POST",
        "/ai/llm",
        {
          name,
          aiType: "OPENAI",
          endpoint: "https://api.openai.com/v1",
          secret,
          ...(key === undefined ? {} : { key }),
          workspaceId: "ws-1",
        },
        TOKEN,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.aiLlmId as string;
    };
    const a = await create("a", values.secretA, values.keyA);
    const b = await create("b", values.secretB, values.keyB);
    const c = await create("c", values.invalidSecret);
    assertAbsent(await everythingOnDisk(), values, "the data file after the creates");

    assert.equal(
      (await emu.api("PUT", `/ai/llm/${a}`, { secret: values.rotatedSecret, key: values.rotatedKey }, TOKEN))
        .status,
      200,
    );
    assert.equal((await emu.api("PUT", `/ai/llm/${b}`, { key: "" }, TOKEN)).status, 200);
    assertAbsent(await everythingOnDisk(), values, "the data file after the updates");

    // The file does hold sealed credentials: one per secret, one per remaining key.
    const file = JSON.parse(await fs.readFile(dataFile, "utf8")) as {
      aiLlms: Array<{ id: string; sealedSecret: string; sealedKey: string | null }>;
    };
    const byId = new Map(file.aiLlms.map((r) => [r.id, r]));
    assert.match(byId.get(a)?.sealedSecret ?? "", /^v1\./);
    assert.match(byId.get(a)?.sealedKey ?? "", /^v1\./);
    assert.equal(byId.get(b)?.sealedKey, null, "a removed key is gone, not kept");
    assert.equal((await fs.stat(dataFile)).mode & 0o077, 0, "the data file is readable by its owner only");

    await emu.close();
    const again = await start();
    // Sealed, yet the very values: they open with the key and validate as they should.
    assert.equal((await again.api("POST", `/ai/llm/${a}/validate`, undefined, TOKEN)).body.success, true);
    assert.equal((await again.api("POST", `/ai/llm/${c}/validate`, undefined, TOKEN)).body.success, false);
    assertAbsent(await everythingOnDisk(), values, "the data file after a restart");

    const requestLog = JSON.stringify(await again.requests());
    const state = JSON.stringify(await again.state());
    const listed = JSON.stringify((await again.api("GET", "/ai/llm", undefined, TOKEN)).body);
    assertAbsent(requestLog, values, "the request log");
    assertAbsent(state, values, "the state dump");
    assertAbsent(listed, values, "the list answer");
    assertAbsent(log.join("\n"), { ...values, TOKEN }, "the access log");
  });

  it("the search finds a value that is there (positive control)", () => {
    const value = credential("sk-control");
    assert.throws(() =>
      assertAbsent(JSON.stringify({ b64: Buffer.from(value).toString("base64") }), { value }, "x"),
    );
    assert.throws(() => assertAbsent(`{"v":"${value}"}`, { value }, "x"));
  });
});
