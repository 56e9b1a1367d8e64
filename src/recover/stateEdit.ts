import type { ExportedResource, ExportedStack, PendingKind, PendingOperation } from "./deployment";
import type { Resolution } from "./match";

/**
 * The output each kind's provider records its id under, so that an imported resource's
 * outputs look like a create's until the refresh that follows reads the live record.
 */
const ID_OUTPUT: Readonly<Record<PendingKind, string>> = {
  AiLlmConfig: "aiLlmId",
  ProviderApiKey: "apiKeyId",
};

/**
 * The deployment with the given pending creates settled: each imported one becomes a
 * resource with its id (outputs: its inputs plus `aiLlmId` for a configuration or
 * `apiKeyId` for a stored key, enough for the refresh that follows to read the live
 * record; secret inputs stay encrypted), each cleared one is removed. Other pending
 * operations are kept (`pulumi stack import` drops them; the refresh reads their live
 * state). An imported resource whose URN the state already holds (a replacement whose
 * new record was being created) marks the old one for deletion, as the interrupted run
 * would have. The input is not modified.
 */
export function settlePendingCreates(
  exported: ExportedStack,
  resolutions: readonly Resolution[],
): ExportedStack {
  const copy = structuredClone(exported);
  const byUrn = new Map(resolutions.map((r) => [r.urn, r]));
  const resources: ExportedResource[] = copy.deployment.resources ?? [];
  const pending: PendingOperation[] = [];
  for (const op of copy.deployment.pending_operations ?? []) {
    const resolution = op.type === "creating" ? byUrn.get(op.resource.urn) : undefined;
    if (!resolution) {
      pending.push(op);
      continue;
    }
    byUrn.delete(op.resource.urn);
    if (resolution.action === "clear") continue;
    for (const existing of resources) {
      if (existing.urn === op.resource.urn && !existing.delete) existing.delete = true;
    }
    const inputs = op.resource.inputs ?? {};
    resources.push({
      ...op.resource,
      custom: true,
      id: resolution.id,
      inputs,
      outputs: { ...inputs, [ID_OUTPUT[resolution.kind]]: resolution.id },
    });
  }
  copy.deployment.resources = resources;
  copy.deployment.pending_operations = pending;
  return copy;
}
