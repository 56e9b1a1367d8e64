import { z } from "zod";

/** The Pulumi type token of `AiLlmConfig` resources in state. */
export const AI_LLM_CONFIG_TYPE = "pulumi-nodejs:dynamic/flashback:AiLlmConfig";

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
export interface PendingCreate {
  urn: string;
  name: string;
  workspaceId: string;
  aiType: string;
  endpoint: string;
}

/** The pending operations of a deployment, sorted by what this tool can do with them. */
export interface PendingSummary {
  /** Pending creates of `AiLlmConfig` whose identifying inputs are readable. */
  creates: PendingCreate[];
  /**
   * Pending creates of `AiLlmConfig` that cannot be matched (an identifying input is a
   * secret or missing, or an explicit provider holds the credentials), with why.
   */
  unreadable: { urn: string; reason: string }[];
  /** URNs of pending creates of other resource types: this tool cannot tell whether they exist. */
  otherCreates: string[];
  /** Pending updates, deletes, reads and imports: the refresh settles them by reading the live state. */
  otherOperations: number;
}

const IDENTIFYING_INPUTS = ["name", "workspaceId", "aiType", "endpoint"] as const;

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
    if (type !== AI_LLM_CONFIG_TYPE) {
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
    const unreadable = IDENTIFYING_INPUTS.filter(
      (key) => typeof inputs[key] !== "string" || inputs[key] === "",
    );
    if (unreadable.length > 0) {
      summary.unreadable.push({
        urn,
        reason: `its ${unreadable.join(", ")} ${unreadable.length > 1 ? "are" : "is"} not plain text in the state`,
      });
      continue;
    }
    summary.creates.push({
      urn,
      name: inputs.name as string,
      workspaceId: inputs.workspaceId as string,
      aiType: inputs.aiType as string,
      endpoint: inputs.endpoint as string,
    });
  }
  return summary;
}

/** Ids of the `AiLlmConfig` resources the state already tracks (not those marked for deletion), with their URNs. */
export function trackedIds(exported: ExportedStack): Map<string, string> {
  const ids = new Map<string, string>();
  for (const resource of exported.deployment.resources ?? []) {
    if (resource.type === AI_LLM_CONFIG_TYPE && resource.id && !resource.delete)
      ids.set(resource.id, resource.urn);
  }
  return ids;
}
