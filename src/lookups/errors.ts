/**
 * The lookups' errors: a typed "not found", and context in front of everything else.
 *
 * Both are Pulumi `RunError`s, so a program that lets one escape (an Output form that fails)
 * ends with the message alone. Their `stack` is that message too, without frames, and the
 * error behind one is kept as `original`, not `cause`: the Node.js SDK still formats every
 * escaped error with `util.inspect(err, { colors: true })`, which on Node.js 20.20 loops
 * for tens of seconds, then fails, on a frame such as `node_modules/@pulumi/output.ts:516:31`
 * (how @pulumi/pulumi's source maps name its own frames, present in the async stack of any
 * error raised inside an apply), and it prints `cause` with its frames.
 * @packageDocumentation
 */
import * as pulumi from "@pulumi/pulumi";

/** What `getAiLlmConfig` was asked to find. */
export type AiLlmConfigSelector = { name: string } | { id: string };

/**
 * A lookup that failed: bad arguments, missing or malformed settings, or an API call that
 * failed. The message starts with the lookup's name and what it was asked; `original` holds the error
 * behind it. Messages never hold a credential.
 */
export class LookupError extends pulumi.RunError {
  override readonly name: string = "LookupError";
  /** The error behind this one (a `FlashbackError` of the client, a settings error), if any. */
  declare readonly original?: unknown;

  /**
   * @param message The whole message.
   * @param original The error behind it, if any.
   */
  constructor(message: string, original?: unknown) {
    super(message);
    if (original !== undefined) hidden(this, "original", original);
    dropFrames(this);
  }
}

/** Sets a property that `util.inspect` and `JSON.stringify` leave out. */
function hidden(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, configurable: true, enumerable: false });
}

/** Makes `stack` the first line only (see the module's note on why). */
function dropFrames(error: Error): void {
  hidden(error, "stack", `${error.name}: ${error.message}`);
}

/**
 * Thrown by `getAiLlmConfig` when the workspace holds no configuration of that name or id
 * (or the credentials cannot reach the workspace: the API then lists nothing). The message
 * names the workspace, what was looked for and how many configurations the workspace holds.
 */
export class AiLlmConfigNotFoundError extends LookupError {
  override readonly name = "AiLlmConfigNotFoundError";

  /**
   * @param workspaceId The workspace that was listed.
   * @param selector The name or id that was looked for.
   * @param count How many configurations the listing held.
   * @param hint An extra sentence, e.g. a name that differs only in case.
   */
  constructor(
    readonly workspaceId: string,
    readonly selector: AiLlmConfigSelector,
    readonly count: number,
    hint?: string,
  ) {
    const what = "name" in selector ? `named "${selector.name}"` : `with id "${selector.id}"`;
    const holds =
      count === 0
        ? "the workspace holds no configuration these credentials can see (check the workspace id and that the token reaches it)"
        : `the workspace holds ${count} configuration${count === 1 ? "" : "s"}`;
    super(
      `getAiLlmConfig: no AI LLM configuration ${what} in workspace "${workspaceId}"; ${holds}` +
        (hint === undefined ? "" : `; ${hint}`),
    );
    dropFrames(this);
  }
}

/**
 * Puts the lookup's name (and what it was asked) in front of an error's message, keeping
 * the error as `original`. Messages of the client and of the settings never hold a credential.
 */
export function withLookupContext(context: string, error: unknown): LookupError {
  if (error instanceof LookupError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new LookupError(`${context}: ${message}`, error);
}
