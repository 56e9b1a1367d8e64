import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

/** Environment variable that supplies the sealing key when no option does. */
export const ENCRYPTION_KEY_ENV = "FLASHBACK_EMULATOR_KEY";

const ALGORITHM = "aes-256-gcm";
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Prefix of every sealed value, so a future format change can be told apart on load. */
const FORMAT = "v1";

/** Where the sealing key of a running emulator came from. */
export type KeySource = "option" | "env" | "random";

/** Thrown when a sealed value cannot be opened: wrong key, tampered text, or not a sealed value. */
export class UnsealError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnsealError";
  }
}

/**
 * Turns key material into a 32-byte AES key. Exactly 64 hex characters are taken as the
 * raw key, so a key generated with `openssl rand -hex 32` means what it says; any other
 * string is hashed with SHA-256, so a passphrase works too.
 */
export function deriveKey(material: string): Buffer {
  if (/^[0-9a-fA-F]{64}$/.test(material)) return Buffer.from(material, "hex");
  return createHash("sha256").update(material, "utf8").digest();
}

/**
 * Picks the sealing key: the option, else the environment variable, else a fresh random
 * key (then nothing sealed by this process can be read by another one).
 * Empty strings count as absent, so an exported-but-empty variable does not become a key.
 */
export function resolveKey(
  option: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): { key: Buffer; source: KeySource } {
  if (option !== undefined && option !== "") return { key: deriveKey(option), source: "option" };
  const fromEnv = env[ENCRYPTION_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== "") return { key: deriveKey(fromEnv), source: "env" };
  return { key: randomBytes(32), source: "random" };
}

/**
 * Seals and opens credential values with AES-256-GCM. `context` is bound as additional
 * authenticated data (for example `"<id>/secret"`), so a ciphertext copied from one
 * record or field to another in the data file fails to open instead of leaking.
 */
export class Sealer {
  readonly #key: Buffer;

  /** @param key - A 32-byte key, as {@link deriveKey} or {@link resolveKey} give. */
  constructor(key: Buffer) {
    if (key.length !== 32) throw new RangeError("AES-256-GCM needs a 32-byte key");
    this.#key = Buffer.from(key);
  }

  /** Encrypts `plaintext` with a fresh random IV; the result is text safe to store in JSON. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.from(context, "utf8"));
    const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    const tag = cipher.getAuthTag();
    return [FORMAT, iv, tag, data]
      .map((p) => (typeof p === "string" ? p : p.toString("base64url")))
      .join(".");
  }

  /** Decrypts a value made by {@link Sealer.seal} with the same key and context, or throws {@link UnsealError}. */
  open(sealed: string, context: string): string {
    const parts = sealed.split(".");
    if (parts.length !== 4 || parts[0] !== FORMAT) throw new UnsealError("not a sealed value");
    const [iv, tag, data] = parts.slice(1).map((p) => Buffer.from(p, "base64url"));
    if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new UnsealError("not a sealed value");
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(data), decipher.final()]).toString("utf8");
    } catch {
      // GCM reports a wrong key and a tampered value the same way, and so do we.
      throw new UnsealError("the value cannot be decrypted with this key");
    }
  }
}
