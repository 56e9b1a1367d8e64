import assert from "node:assert/strict";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { deriveKey, ENCRYPTION_KEY_ENV, resolveKey, Sealer, UnsealError } from "../../src/emulator/crypto";
import { DataFileError, writeDataFileAtomic } from "../../src/emulator/persistence";
import { startEmulator } from "../../src/emulator";
import { listAiLlmsResponseSchema } from "../../src/schemas";
import { EmulatorHandle } from "../../support/emulator";
import { assertError, configBody, createConfig, KEY, SECRET } from "../../support/emulatorFixtures";

const HEX_KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const PASSPHRASE = "emulator passphrase for tests";

describe("emulator: persistence", () => {
  let dir: string;
  let dataFile: string;
  const handles: EmulatorHandle[] = [];

  async function start(encryptionKey: string): Promise<EmulatorHandle> {
    const handle = await EmulatorHandle.start({ dataFile, encryptionKey });
    handles.push(handle);
    return handle;
  }

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-emulator-"));
    dataFile = path.join(dir, "data.json");
  });
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.close();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it("keeps configurations, links and validation across a restart with the same key", async () => {
    const first = await start(PASSPHRASE);
    const good = await createConfig(first, { name: "good", key: KEY });
    const bad = await createConfig(first, { name: "bad", secret: "invalid-but-sealed" });
    await first.seed({ repos: [{ id: "repo-1", name: "kept-repo", aiLlmId: good }] });
    await first.api("POST", `/ai/llm/${good}/validate`);
    const before = listAiLlmsResponseSchema.parse((await first.api("GET", "/ai/llm")).body).aiLlms;
    await first.close();

    const second = await start(PASSPHRASE);
    const after = listAiLlmsResponseSchema.parse((await second.api("GET", "/ai/llm")).body).aiLlms;
    assert.deepEqual(after, before);
    assert.deepEqual(
      listAiLlmsResponseSchema
        .parse((await second.api("GET", "/ai/llm/available")).body)
        .aiLlms.map((c) => c.id),
      [good],
    );
    assert.equal((await second.state()).aiLlms[0].hasKey, true);
    // Both outcomes depend on the decrypted secret, so both prove it survived intact.
    assert.equal((await second.api("POST", `/ai/llm/${good}/validate`)).body.success, true);
    assert.equal((await second.api("POST", `/ai/llm/${bad}/validate`)).body.success, false);
    // New ids keep ordering after the loaded ones.
    const third = await createConfig(second, { name: "third" });
    assert.deepEqual(
      listAiLlmsResponseSchema.parse((await second.api("GET", "/ai/llm")).body).aiLlms.map((c) => c.id),
      [good, bad, third],
    );
  });

  it("never writes the secret, the key or the encryption key to the file", async () => {
    const handle = await start(HEX_KEY);
    const id = await createConfig(handle, { key: KEY });
    await handle.api("PUT", `/ai/llm/${id}`, { secret: `${SECRET}-rotated` });
    await handle.close();
    const text = await fs.readFile(dataFile, "utf8");
    assert.ok(text.includes(id), "the file holds the configuration");
    for (const needle of [SECRET, KEY, HEX_KEY, Buffer.from(HEX_KEY, "hex").toString("base64")]) {
      assert.ok(!text.includes(needle), `data file contains ${needle}`);
    }
    assert.equal((await fs.stat(dataFile)).mode & 0o777, 0o600);
  });

  it("with another key, validate reports the undecryptable secret instead of crashing", async () => {
    const first = await start(PASSPHRASE);
    const id = await createConfig(first);
    await first.close();
    const second = await start("a different key");
    assert.equal((await second.api("GET", "/ai/llm")).body.aiLlms[0].id, id);
    const res = await second.api("POST", `/ai/llm/${id}/validate`);
    assert.equal(res.status, 200);
    assert.equal(res.body.success, false);
    assert.match(res.body.message, /stored secret cannot be decrypted with this emulator key/);
    // A new secret written under the current key repairs it.
    await second.api("PUT", `/ai/llm/${id}`, { secret: "sk-replaced" });
    assert.equal((await second.api("POST", `/ai/llm/${id}/validate`)).body.success, true);
  });

  it("writes atomically: many concurrent changes leave one complete file and no temporary files", async () => {
    const handle = await start(PASSPHRASE);
    const ids = await Promise.all(
      Array.from({ length: 25 }, (_, i) => createConfig(handle, { name: `n-${i}` })),
    );
    await Promise.all(ids.slice(0, 10).map((id) => handle.api("DELETE", `/ai/llm/${id}`)));
    assert.deepEqual(await fs.readdir(dir), ["data.json"]);
    const saved = JSON.parse(await fs.readFile(dataFile, "utf8")) as {
      version: number;
      aiLlms: Array<{ id: string }>;
    };
    assert.equal(saved.version, 2);
    assert.deepEqual(saved.aiLlms.map((c) => c.id).sort(), ids.slice(10).sort());
  });

  it("removes its temporary file when the final rename fails", async () => {
    const target = path.join(dir, "occupied");
    await fs.mkdir(target);
    await fs.writeFile(path.join(target, "inside"), "x");
    await assert.rejects(writeDataFileAtomic(target, { nextSeq: 1, aiLlms: [], repos: [] }));
    assert.deepEqual(await fs.readdir(dir), ["occupied"]);
  });

  it("answers 500 with the envelope when the data file cannot be written, and keeps serving", async () => {
    const lines: string[] = [];
    const handle = await EmulatorHandle.start({
      dataFile,
      encryptionKey: PASSPHRASE,
      log: (l) => lines.push(l),
    });
    handles.push(handle);
    await fs.rm(dir, { recursive: true, force: true });
    const res = await handle.api("POST", "/ai/llm", configBody());
    assertError(res, 500, "Internal emulator error");
    assert.ok(lines.some((l) => l.startsWith("internal error: ")));
    assert.equal((await handle.api("GET", "/ai/llm")).status, 200);
  });

  it("reset is persisted too", async () => {
    const handle = await start(PASSPHRASE);
    await createConfig(handle);
    await handle.reset();
    await handle.close();
    const saved = JSON.parse(await fs.readFile(dataFile, "utf8")) as { aiLlms: unknown[] };
    assert.deepEqual(saved.aiLlms, []);
  });

  it("refuses to start on a data file it cannot read, and leaves the file alone", async () => {
    for (const content of [
      "{ not json",
      JSON.stringify({ version: 99, nextSeq: 1, aiLlms: [], repos: [] }),
    ]) {
      await fs.writeFile(dataFile, content);
      await assert.rejects(startEmulator({ dataFile }), DataFileError);
      assert.equal(await fs.readFile(dataFile, "utf8"), content);
    }
  });

  it("loads a version 1 data file (before stored keys) and writes it back as version 2", async () => {
    await fs.writeFile(dataFile, JSON.stringify({ version: 1, nextSeq: 1, aiLlms: [], repos: [] }));
    const handle = await start(PASSPHRASE);
    await createConfig(handle);
    const saved = JSON.parse(await fs.readFile(dataFile, "utf8")) as { version: number; apiKeys: unknown[] };
    assert.equal(saved.version, 2);
    assert.deepEqual(saved.apiKeys, []);
  });

  it("starts empty when the data file does not exist yet, and creates it on the first change", async () => {
    const handle = await start(PASSPHRASE);
    assert.deepEqual((await handle.state()).aiLlms, []);
    await assert.rejects(fs.stat(dataFile));
    await createConfig(handle);
    await fs.stat(dataFile);
  });
});

describe("emulator: sealing", () => {
  it("seals with AES-256-GCM and a fresh IV each time, and opens with the same key and context", () => {
    const sealer = new Sealer(deriveKey(PASSPHRASE));
    const a = sealer.seal(SECRET, "id-1/secret");
    const b = sealer.seal(SECRET, "id-1/secret");
    assert.notEqual(a, b);
    assert.ok(!a.includes(SECRET));
    assert.equal(sealer.open(a, "id-1/secret"), SECRET);
    assert.equal(sealer.open(b, "id-1/secret"), SECRET);
  });

  it("refuses another key, another context, tampering and garbage", () => {
    const sealed = new Sealer(deriveKey(PASSPHRASE)).seal(SECRET, "id-1/secret");
    assert.throws(() => new Sealer(deriveKey("other")).open(sealed, "id-1/secret"), UnsealError);
    const sealer = new Sealer(deriveKey(PASSPHRASE));
    assert.throws(() => sealer.open(sealed, "id-2/secret"), UnsealError);
    const parts = sealed.split(".");
    parts[3] = Buffer.from("tampered").toString("base64url");
    assert.throws(() => sealer.open(parts.join("."), "id-1/secret"), UnsealError);
    assert.throws(() => sealer.open("plain text", "id-1/secret"), UnsealError);
  });

  it("uses 64 hex characters as the raw key and hashes anything else", () => {
    assert.deepEqual(deriveKey(HEX_KEY), Buffer.from(HEX_KEY, "hex"));
    assert.equal(deriveKey(PASSPHRASE).length, 32);
    assert.notDeepEqual(deriveKey(PASSPHRASE), deriveKey(`${PASSPHRASE}!`));
    assert.equal(
      deriveKey("abc").toString("hex"),
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("takes the option first, then the environment variable, else a random key", () => {
    assert.deepEqual(resolveKey(HEX_KEY, { [ENCRYPTION_KEY_ENV]: "env" }), {
      key: Buffer.from(HEX_KEY, "hex"),
      source: "option",
    });
    assert.deepEqual(resolveKey(undefined, { [ENCRYPTION_KEY_ENV]: "env" }), {
      key: deriveKey("env"),
      source: "env",
    });
    const random = resolveKey(undefined, { [ENCRYPTION_KEY_ENV]: "" });
    assert.equal(random.source, "random");
    assert.notDeepEqual(random.key, resolveKey(undefined, {}).key);
  });
});
