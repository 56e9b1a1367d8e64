import type { AiLlmConfiguration, StoredApiKey } from "../schemas";
import type {
  PendingConfigCreate,
  PendingCreate,
  PendingKeyCreate,
  PendingKind,
  TrackedIds,
} from "./deployment";

/** What to do with one pending create. */
export type Resolution =
  /** The create reached Flashback: put the record `id` (of type `kind`) in the state under `urn`. */
  | { action: "import"; kind: PendingKind; urn: string; id: string }
  /** Drop the pending create; `reason` says why, `id` names the record concerned, if any. */
  | { action: "clear"; kind: PendingKind; urn: string; reason: ClearReason; id?: string };

/** Why a pending create is dropped rather than imported. */
export type ClearReason =
  /** Nothing with its name (a stored key: its description) exists in its workspace: the create never landed. */
  | "never-created"
  /** The record it made is already in the state (a later run created or adopted it). */
  | "already-tracked"
  /**
   * Something with its name (a stored key: its description) exists with other settings
   * (a configuration: type or endpoint; a stored key: provider): not the one this create made.
   */
  | "other-settings";

/** Lists one workspace's configurations (a `FlashbackClient`'s `listAiLlms`). */
export type ListWorkspace = (workspaceId: string) => Promise<AiLlmConfiguration[]>;

/** Lists one workspace's stored provider keys (a `FlashbackClient`'s `listApiKeys({ workspaceId })`). */
export type ListWorkspaceKeys = (workspaceId: string) => Promise<StoredApiKey[]>;

/** The workspace lists {@link resolvePendingCreates} reads, one per kind. */
export interface WorkspaceLists {
  /** Configurations of a workspace; called only when a configuration's create is pending there. */
  AiLlmConfig: ListWorkspace;
  /** Stored keys of a workspace; called only when a stored key's create is pending there. */
  ProviderApiKey: ListWorkspaceKeys;
}

/** The live record with a pending create's unique name, and whether its other settings are the create's. */
interface Found {
  id: string;
  sameSettings: boolean;
}

/**
 * Decides, for each pending create, whether it reached Flashback. Configuration names
 * and stored-key descriptions are unique per workspace, so a record with the create's
 * name (description) and settings in its workspace is the one it made (the providers use
 * the same evidence when a create's answer is lost). Each workspace is listed once per
 * kind, and a kind with no pending create is not listed at all.
 * @param tracked - ids already in the state, per kind: never imported twice.
 */
export async function resolvePendingCreates(
  creates: readonly PendingCreate[],
  tracked: TrackedIds,
  lists: WorkspaceLists,
): Promise<Resolution[]> {
  const found = await lookUp(creates, lists);
  const claimed = { AiLlmConfig: new Set<string>(), ProviderApiKey: new Set<string>() };
  return creates.map((create, index): Resolution => {
    const { kind, urn } = create;
    const live = found[index];
    if (!live) return { action: "clear", kind, urn, reason: "never-created" };
    if (!live.sameSettings) return { action: "clear", kind, urn, reason: "other-settings", id: live.id };
    if (tracked[kind].has(live.id) || claimed[kind].has(live.id)) {
      return { action: "clear", kind, urn, reason: "already-tracked", id: live.id };
    }
    claimed[kind].add(live.id);
    return { action: "import", kind, urn, id: live.id };
  });
}

/** Lists each (kind, workspace) once, in order, and finds each create's record in its list. */
async function lookUp(
  creates: readonly PendingCreate[],
  lists: WorkspaceLists,
): Promise<(Found | undefined)[]> {
  const configs = new Map<string, AiLlmConfiguration[]>();
  const keys = new Map<string, StoredApiKey[]>();
  // One request at a time, in the creates' order: the API rate-limits bursts.
  for (const create of creates) {
    const { kind, workspaceId } = create;
    if (kind === "AiLlmConfig" && !configs.has(workspaceId)) {
      configs.set(workspaceId, await lists.AiLlmConfig(workspaceId));
    }
    if (kind === "ProviderApiKey" && !keys.has(workspaceId)) {
      keys.set(workspaceId, await lists.ProviderApiKey(workspaceId));
    }
  }
  return creates.map((create) =>
    create.kind === "AiLlmConfig"
      ? findConfig(create, configs.get(create.workspaceId) ?? [])
      : findKey(create, keys.get(create.workspaceId) ?? []),
  );
}

/** The configuration with the create's name in its workspace; the same when type and endpoint match. */
function findConfig(create: PendingConfigCreate, live: readonly AiLlmConfiguration[]): Found | undefined {
  const config = live.find((c) => c.name === create.name && c.workspaceId === create.workspaceId);
  if (!config) return undefined;
  return {
    id: config.id,
    sameSettings: config.aiType === create.aiType && config.endpoint === create.endpoint,
  };
}

/** The stored key with the create's description in its workspace; the same when the provider matches. */
function findKey(create: PendingKeyCreate, live: readonly StoredApiKey[]): Found | undefined {
  // A listed key may leave out its workspaceId (the list was asked for one workspace);
  // one that names another workspace is not ours, whatever its description.
  const key = live.find(
    (k) =>
      k.description === create.description && (k.workspaceId ?? create.workspaceId) === create.workspaceId,
  );
  if (!key) return undefined;
  return { id: key.id, sameSettings: key.provider === create.provider };
}

/** What a record of each kind is called in the lines printed. */
const NOUN: Readonly<
  Record<PendingKind, { record: string; name: string; settings: string; conflict: string }>
> = {
  AiLlmConfig: {
    record: "configuration",
    name: "name",
    settings: "another type or endpoint",
    conflict: "name conflict",
  },
  ProviderApiKey: {
    record: "stored provider key",
    name: "description",
    settings: "another provider",
    conflict: "description conflict",
  },
};

/** The line printed for a resolution; names and ids only, never a credential. */
export function describeResolution(resolution: Resolution): string {
  if (resolution.action === "import") return `imported ${resolution.urn} as ${resolution.id}`;
  const noun = NOUN[resolution.kind];
  switch (resolution.reason) {
    case "never-created":
      return `cleared ${resolution.urn}: it was never created`;
    case "already-tracked":
      return `cleared ${resolution.urn}: the ${noun.record} it created (${resolution.id}) is already in the state`;
    case "other-settings":
      return (
        `cleared ${resolution.urn}: a ${noun.record} with its ${noun.name} exists with ${noun.settings} ` +
        `(${resolution.id}), so it is not the one this create made; the next pulumi up reports the ${noun.conflict}`
      );
  }
}
