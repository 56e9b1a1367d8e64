import { z } from "zod";

/** The Pulumi type token of `AiLlmConfig` resources in state. */
export const AI_LLM_CONFIG_TYPE = "pulumi-nodejs:dynamic/flashback:AiLlmConfig";

/** The Pulumi type token of `ProviderApiKey` resources in state. */
export const PROVIDER_API_KEY_TYPE = "pulumi-nodejs:dynamic/flashback:ProviderApiKey";

/** The resource types whose pending creates this tool can settle, by their short names. */
export type PendingKind = "AiLlmConfig" | "ProviderApiKey";

/** The kind of a resource type token, or undefined for a type this tool cannot settle. */
export function kindOf(type: string): PendingKind | undefined {
  if (type === AI_LLM_CONFIG_TYPE) return "AiLlmConfig";
  if (type === PROVIDER_API_KEY_TYPE) return "ProviderApiKey";
  return undefined;
}

/** A resource as `pulumi stack export` writes it; fields this tool does not read are kept as they are. */
export const exportedResourceSchema = z.looseObject({
  urn: z.string().min(1),
  type: z.string().min(1),
  id: z.string().optional(),
  custom: z.boolean().optional(),
  delete: z.boolean().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
  provider: z.string().optional(),
});

/** A resource of an exported deployment. */
export type ExportedResource = z.infer<typeof exportedResourceSchema>;

/** An operation the engine began and did not see finish. */
export const pendingOperationSchema = z.looseObject({
  type: z.string(),
  resource: exportedResourceSchema,
});

/** A pending operation of an exported deployment. */
export type PendingOperation = z.infer<typeof pendingOperationSchema>;

/** The output of `pulumi stack export` (an untyped deployment, version 3). */
export const exportedStackSchema = z.looseObject({
  version: z.number(),
  deployment: z.looseObject({
    resources: z.array(exportedResourceSchema).nullish(),
    pending_operations: z.array(pendingOperationSchema).nullish(),
  }),
});

/** The output of `pulumi stack export`. */
export type ExportedStack = z.infer<typeof exportedStackSchema>;

/**
 * Parses the text `pulumi stack export` printed. Never quotes the text in its errors:
 * it is the stack's state.
 * @throws Error when the text is not an exported deployment.
 */
export function parseExport(text: string): ExportedStack {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error("`pulumi stack export` did not print JSON");
  }
  const parsed = exportedStackSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join(".") || "(root)";
    throw new Error(
      `\`pulumi stack export\` printed a deployment this tool does not understand (at ${where})`,
    );
  }
  return parsed.data;
}

/** A pending create of an `AiLlmConfig`, with the inputs that identify the configuration. */
export interface PendingConfigCreate {
  /** Tells the two kinds of pending create apart. */
  kind: "AiLlmConfig";
  urn: string;
  name: string;
  workspaceId: string;
  aiType: string;
  endpoint: string;
}

/** A pending create of a `ProviderApiKey`, with the inputs that identify the stored key. */
export interface PendingKeyCreate {
  /** Tells the two kinds of pending create apart. */
  kind: "ProviderApiKey";
  urn: string;
  /** Unique within the workspace: what finds the key again. */
  description: string;
  workspaceId: string;
  provider: string;
}

/** A pending create this tool can look up in Flashback. */
export type PendingCreate = PendingConfigCreate | PendingKeyCreate;

/** The pending operations of a deployment, sorted by what this tool can do with them. */
export interface PendingSummary {
  /** Pending creates of `AiLlmConfig` and `ProviderApiKey` whose identifying inputs are readable. */
  creates: PendingCreate[];
  /**
   * Pending creates of those types that cannot be matched (an identifying input is a
   * secret or missing, or an explicit provider holds the credentials), with why.
   */
  unreadable: { urn: string; reason: string }[];
  /** URNs of pending creates of other resource types: this tool cannot tell whether they exist. */
  otherCreates: string[];
  /** Pending updates, deletes, reads and imports: the refresh settles them by reading the live state. */
  otherOperations: number;
}

/**
 * The inputs that identify what a pending create made, per kind. Only plain
 * inputs can serve: a secret's ciphertext in the export cannot be compared. A stored
 * key's `key` and `secret` are secrets, so its unique `description` identifies it.
 */
const IDENTIFYING_INPUTS: Readonly<Record<PendingKind, readonly string[]>> = {
  AiLlmConfig: ["name", "workspaceId", "aiType", "endpoint"],
  ProviderApiKey: ["description", "workspaceId", "provider"],
};

/** A reference (`<urn>::<id>`) to a default `pulumi-nodejs` provider, the one the stack configuration sets up. */
const DEFAULT_PROVIDER = /::pulumi:providers:pulumi-nodejs::default(_[^:]*)?::[^:]*$/;

/**
 * True when a resource is served by the default dynamic provider (configured from the
 * stack configuration), false when a program passed an explicit provider, whose
 * credentials may belong to another account.
 */
export function usesDefaultProvider(resource: ExportedResource): boolean {
  return !resource.provider || DEFAULT_PROVIDER.test(resource.provider);
}

/** Sorts the pending operations of an exported deployment. */
export function summarizePending(exported: ExportedStack): PendingSummary {
  const summary: PendingSummary = { creates: [], unreadable: [], otherCreates: [], otherOperations: 0 };
  for (const op of exported.deployment.pending_operations ?? []) {
    if (op.type !== "creating") {
      summary.otherOperations += 1;
      continue;
    }
    const { urn, type, inputs = {} } = op.resource;
    const kind = kindOf(type);
    if (!kind) {
      summary.otherCreates.push(urn);
      continue;
    }
    if (!usesDefaultProvider(op.resource)) {
      summary.unreadable.push({
        urn,
        reason: "it uses an explicit provider, whose Flashback account this tool cannot read",
      });
      continue;
    }
    const unreadable = IDENTIFYING_INPUTS[kind].filter(
      (key) => typeof inputs[key] !== "string" || inputs[key] === "",
    );
    if (unreadable.length > 0) {
      summary.unreadable.push({
        urn,
        reason: `its ${unreadable.join(", ")} ${unreadable.length > 1 ? "are" : "is"} not plain text in the state`,
      });
      continue;
    }
    const text = (key: string) => inputs[key] as string;
    summary.creates.push(
      kind === "AiLlmConfig"
        ? {
            kind: "AiLlmConfig",
            urn,
            name: text("name"),
            workspaceId: text("workspaceId"),
            aiType: text("aiType"),
            endpoint: text("endpoint"),
          }
        : {
            kind: "ProviderApiKey",
            urn,
            description: text("description"),
            workspaceId: text("workspaceId"),
            provider: text("provider"),
          },
    );
  }
  return summary;
}

/**
 * Ids already in the state, mapped to their URNs, per kind: a configuration and a stored
 * key are different records, so an id is only ever compared with ids of its own kind.
 */
export type TrackedIds = Readonly<Record<PendingKind, ReadonlyMap<string, string>>>;

/**
 * Ids of the `AiLlmConfig` and `ProviderApiKey` resources the state already tracks (not
 * those marked for deletion), with their URNs, per kind.
 */
export function trackedIds(exported: ExportedStack): TrackedIds {
  const tracked = { AiLlmConfig: new Map<string, string>(), ProviderApiKey: new Map<string, string>() };
  for (const resource of exported.deployment.resources ?? []) {
    const kind = kindOf(resource.type);
    if (kind && resource.id && !resource.delete) tracked[kind].set(resource.id, resource.urn);
  }
  return tracked;
}
