import { randomBytes } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { aiTypeSchema, isHttpUrl } from "../schemas";
import type { StoreSnapshot } from "./store";
import { isoDateString } from "./validation";

/**
 * Format version written into the data file. Version 2 added stored provider keys; a
 * version 1 file (none) still loads, and an emulator that knows only version 1 refuses a
 * version 2 file instead of dropping its keys. Any other version is refused.
 */
export const DATA_FILE_VERSION = 2;

/** The versions this emulator reads. */
const READABLE_VERSIONS = [1, DATA_FILE_VERSION] as const;

/** Thrown at start when the data file exists but cannot be used; the file is left untouched. */
export class DataFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataFileError";
  }
}

const httpUrl = z.string().refine(isHttpUrl, { message: "must be an absolute http(s) URL" });

const recordSchema = z
  .object({
    id: z.string().min(1),
    orgId: z.string(),
    workspaceId: z.string().min(1),
    userId: z.string(),
    name: z.string().min(1),
    aiType: aiTypeSchema,
    endpoint: httpUrl,
    sealedKey: z.string().nullable(),
    sealedSecret: z.string().nullable(),
    // Files written before stored keys existed have no apiKeyId: all their configurations are inline.
    apiKeyId: z.string().min(1).nullable().default(null),
    createdAt: isoDateString,
    seq: z.number().int().nonnegative(),
    lastValidation: z.object({ success: z.boolean(), at: isoDateString }).nullable(),
  })
  .refine((r) => (r.sealedSecret === null) !== (r.apiKeyId === null), {
    message: "a configuration has either a sealed secret or an apiKeyId",
  });

/*
 * A stored key whose configurations point at it may still be missing (a hand-edited file):
 * that loads, and validating those configurations says the key is gone.
 */
const apiKeyRecordSchema = z.object({
  id: z.string().min(1),
  workspaceId: z.string().min(1),
  orgId: z.string(),
  userId: z.string(),
  provider: z.string().min(1),
  sealedKey: z.string(),
  sealedSecret: z.string(),
  endpoint: httpUrl.optional(),
  region: z.string().optional(),
  tenantId: z.string().optional(),
  subscriptionId: z.string().optional(),
  description: z.string().optional(),
  createdAt: isoDateString,
  seq: z.number().int().nonnegative(),
});

const repoSchema = z.object({
  id: z.string().min(1),
  name: z.string(),
  aiLlmId: z.string().min(1),
  createdAt: isoDateString,
  seq: z.number().int().nonnegative(),
});

/** The data file: a versioned store snapshot. Credentials in it are sealed, never plain. */
const dataFileSchema = z.object({
  version: z.union(READABLE_VERSIONS.map((v) => z.literal(v))),
  nextSeq: z.number().int().positive(),
  aiLlms: z.array(recordSchema),
  repos: z.array(repoSchema),
  // Absent from version 1 files, written before stored keys existed; they load with none.
  apiKeys: z.array(apiKeyRecordSchema).default([]),
}) satisfies z.ZodType<StoreSnapshot & { version: number }>;

/**
 * Reads the data file. Returns undefined when it does not exist; throws {@link DataFileError}
 * when it exists but is not a data file of this version, rather than starting empty and
 * overwriting what someone meant to keep.
 */
export async function readDataFile(file: string): Promise<StoreSnapshot | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new DataFileError(`Cannot read emulator data file ${file}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DataFileError(`Emulator data file ${file} is not valid JSON`);
  }
  const parsed = dataFileSchema.safeParse(json);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new DataFileError(
      `Emulator data file ${file} is not a version ${DATA_FILE_VERSION} data file ` +
        `(${first.path.join(".") || "root"}: ${first.message})`,
    );
  }
  const { nextSeq, aiLlms, repos, apiKeys } = parsed.data;
  return { nextSeq, aiLlms, repos, apiKeys };
}

/**
 * Deletes the temporary files that writers killed mid-write left beside `file`. A temp
 * file names its writer's pid; one whose process is gone will never be renamed.
 */
export async function removeStaleTempFiles(file: string): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const prefix = `.${path.basename(file)}.`;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const pid = Number(name.slice(prefix.length).split(".")[0]);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || isAlive(pid)) continue;
    await fs.rm(path.join(dir, name), { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Replaces `file` with `snapshot` so that a reader sees either the old or the new file,
 * never a torn one: write a temporary file in the same directory, fsync it, rename it over
 * the target, then fsync the directory so the rename itself survives a crash.
 */
export async function writeDataFileAtomic(file: string, snapshot: StoreSnapshot): Promise<void> {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  const text = `${JSON.stringify({ version: DATA_FILE_VERSION, ...snapshot }, null, 2)}\n`;
  try {
    // 0o600: the file holds sealed credentials, which other local users have no reason to read.
    const handle = await fs.open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, file);
  } catch (error) {
    await fs.rm(tmp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
}

/** Best effort: some platforms (Windows) cannot open a directory for fsync. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await fs.open(dir, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // The data is already in place; only its durability across a power loss is weaker.
  }
}

/**
 * Writes snapshots one after another, in the order they were taken, so a slow write
 * cannot land after a newer one and roll the file back.
 */
export class DataFileWriter {
  readonly file: string;
  #queue: Promise<void> = Promise.resolve();

  /** @param file - Path of the data file. */
  constructor(file: string) {
    this.file = file;
  }

  /** Queues `snapshot` for writing; resolves once it (and everything before it) is on disk. */
  save(snapshot: StoreSnapshot): Promise<void> {
    const write = this.#queue.then(() => writeDataFileAtomic(this.file, snapshot));
    this.#queue = write.catch(() => undefined);
    return write;
  }

  /** Resolves when every queued write has finished. */
  async flush(): Promise<void> {
    await this.#queue;
  }
}
