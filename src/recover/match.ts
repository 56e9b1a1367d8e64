import type { AiLlmConfiguration } from "../schemas";
import type { PendingCreate } from "./deployment";

/** What to do with one pending create. */
export type Resolution =
  /** The create reached Flashback: put the configuration `id` in the state under `urn`. */
  | { action: "import"; urn: string; id: string }
  /** Drop the pending create; `reason` says why, `id` names the configuration concerned, if any. */
  | { action: "clear"; urn: string; reason: ClearReason; id?: string };

/** Why a pending create is dropped rather than imported. */
export type ClearReason =
  /** No configuration of that name exists in its workspace: the create never landed. */
  | "never-created"
  /** The configuration it made is already in the state (a later run created or adopted it). */
  | "already-tracked"
  /** A configuration of that name exists with another type or endpoint: not the one this create made. */
  | "other-settings";

/** Lists one workspace's configurations (a `FlashbackClient`'s `listAiLlms`). */
export type ListWorkspace = (workspaceId: string) => Promise<AiLlmConfiguration[]>;

/**
 * Decides, for each pending create, whether it reached Flashback. Names are unique per
 * workspace, so a configuration with the create's name, type and endpoint in its
 * workspace is the one it made (the provider uses the same evidence when a create's
 * answer is lost). Each workspace is listed once.
 * @param tracked - ids already in the state, mapped to their URNs: never imported twice.
 */
export async function resolvePendingCreates(
  creates: readonly PendingCreate[],
  tracked: ReadonlyMap<string, string>,
  list: ListWorkspace,
): Promise<Resolution[]> {
  const lists = new Map<string, AiLlmConfiguration[]>();
  for (const workspaceId of new Set(creates.map((c) => c.workspaceId))) {
    lists.set(workspaceId, await list(workspaceId));
  }
  const claimed = new Set<string>();
  return creates.map((create): Resolution => {
    const live = (lists.get(create.workspaceId) ?? []).find(
      (c) => c.name === create.name && c.workspaceId === create.workspaceId,
    );
    if (!live) return { action: "clear", urn: create.urn, reason: "never-created" };
    if (live.aiType !== create.aiType || live.endpoint !== create.endpoint) {
      return { action: "clear", urn: create.urn, reason: "other-settings", id: live.id };
    }
    if (tracked.has(live.id) || claimed.has(live.id)) {
      return { action: "clear", urn: create.urn, reason: "already-tracked", id: live.id };
    }
    claimed.add(live.id);
    return { action: "import", urn: create.urn, id: live.id };
  });
}

/** The line printed for a resolution; names and ids only, never a credential. */
export function describeResolution(resolution: Resolution): string {
  if (resolution.action === "import") return `imported ${resolution.urn} as ${resolution.id}`;
  switch (resolution.reason) {
    case "never-created":
      return `cleared ${resolution.urn}: it was never created`;
    case "already-tracked":
      return `cleared ${resolution.urn}: the configuration it created (${resolution.id}) is already in the state`;
    case "other-settings":
      return (
        `cleared ${resolution.urn}: a configuration with its name exists with another type or endpoint ` +
        `(${resolution.id}), so it is not the one this create made; the next pulumi up reports the name conflict`
      );
  }
}
