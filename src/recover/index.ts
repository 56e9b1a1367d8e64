/**
 * `flashback-recover`: settles the pending operations a killed `pulumi` run left, so
 * that the interrupted command can simply be run again.
 * @packageDocumentation
 */
export { parseRecoverArgs, UsageError, USAGE, type RecoverArgs } from "./args";
export { PulumiCli, PulumiNotFoundError, type OutputMode, type PulumiResult } from "./pulumiCli";
export {
  AI_LLM_CONFIG_TYPE,
  PROVIDER_API_KEY_TYPE,
  kindOf,
  parseExport,
  summarizePending,
  usesDefaultProvider,
  trackedIds,
  type ExportedStack,
  type ExportedResource,
  type PendingOperation,
  type PendingCreate,
  type PendingConfigCreate,
  type PendingKeyCreate,
  type PendingKind,
  type TrackedIds,
  type PendingSummary,
} from "./deployment";
export { stackConfigLookup, clientFromSettings } from "./credentials";
export {
  resolvePendingCreates,
  describeResolution,
  type Resolution,
  type ClearReason,
  type ListWorkspace,
  type ListWorkspaceKeys,
  type WorkspaceLists,
} from "./match";
export { settlePendingCreates } from "./stateEdit";
export { recover, RecoverError, type RecoverOptions, type RecoverReport, type RecoverApi } from "./recover";
