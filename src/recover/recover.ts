import type { FlashbackClient } from "../client";
import type { ConfigLookup } from "../provider/settings";
import type { RecoverArgs } from "./args";
import { clientFromSettings, stackConfigLookup } from "./credentials";
import {
  parseExport,
  summarizePending,
  trackedIds,
  type PendingKind,
  type PendingSummary,
  type TrackedIds,
} from "./deployment";
import { describeResolution, resolvePendingCreates, type Resolution } from "./match";
import { PulumiCli } from "./pulumiCli";
import { settlePendingCreates } from "./stateEdit";

/** A failure the user can act on; its message says what happened and what to do. */
export class RecoverError extends Error {
  override readonly name = "RecoverError";
}

/** The part of the API client recovery needs. */
export type RecoverApi = Pick<FlashbackClient, "listAiLlms" | "listApiKeys" | "close">;

/** Options of {@link recover}. */
export interface RecoverOptions {
  args: RecoverArgs;
  /** Runs pulumi. Default: the `pulumi` on PATH in `args.cwd`, output streamed to this process's. */
  pulumi?: PulumiCli;
  /** Builds the API client from the stack configuration (environment second). Default: {@link clientFromSettings}. */
  clientFactory?: (config: ConfigLookup) => RecoverApi;
  /** Where this tool's own lines go. Default: stdout. */
  print?: (line: string) => void;
}

/** What {@link recover} did. */
export interface RecoverReport {
  /** One entry per pending create of an `AiLlmConfig` or a `ProviderApiKey`. */
  resolutions: Resolution[];
  /** Pending updates, deletes and reads the refresh settled. */
  otherOperations: number;
}

/** `pulumi cancel` failures that only mean nothing was running (the Pulumi Cloud backend says so). */
const NOTHING_TO_CANCEL =
  /no (active |current )?update|not in progress|never been updated|nothing to cancel|already (completed|finished|cancell?ed)/i;

/** The last lines of what a pulumi command printed on stderr, for an error message. */
function tail(text: string): string {
  const lines = text.trim().split("\n").slice(-5).join("\n");
  return lines === "" ? "" : `:\n${lines}`;
}

/**
 * Repairs a stack after an interrupted `pulumi` operation:
 * 1. `pulumi cancel --yes` removes the lock the killed run left;
 * 2. `pulumi stack export` shows the pending operations;
 * 3. each pending create of an `AiLlmConfig` (by name) or a `ProviderApiKey` (by
 *    description) is looked up in its workspace (listed once per kind);
 * 4. those that reached Flashback are put in the state (`pulumi stack import` of the
 *    export with them moved into the resources), those that did not are dropped;
 * 5. `pulumi refresh --yes --clear-pending-creates` reads every resource's live state,
 *    which settles pending updates and deletes too.
 * Pending creates of other resource types stop it before anything but the lock changes.
 * @throws RecoverError with what to do, or PulumiNotFoundError.
 */
export async function recover(options: RecoverOptions): Promise<RecoverReport> {
  const { args } = options;
  const pulumi = options.pulumi ?? new PulumiCli(args.cwd, args.stack);
  const print = options.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const clientFactory = options.clientFactory ?? ((config: ConfigLookup) => clientFromSettings(config));

  const cancel = await pulumi.run(["cancel", "--yes"], "stream");
  if (cancel.code !== 0 && !NOTHING_TO_CANCEL.test(cancel.stdout + cancel.stderr)) {
    throw new RecoverError(
      `\`pulumi cancel\` failed (exit ${cancel.code}), so the stack may still be locked; see its output above. ` +
        "Nothing else was changed.",
    );
  }

  const exported = await pulumi.run(["stack", "export"], "capture");
  if (exported.code !== 0) {
    throw new RecoverError(`\`pulumi stack export\` failed (exit ${exported.code})${tail(exported.stderr)}`);
  }
  const state = parseExport(exported.stdout);
  const pending = summarizePending(state);
  refuseWhatCannotBeSettled(pending);
  const count = (kind: PendingKind) => pending.creates.filter((c) => c.kind === kind).length;
  print(
    `flashback-recover: ${count("AiLlmConfig")} pending create(s) of AiLlmConfig, ` +
      `${count("ProviderApiKey")} of ProviderApiKey, ${pending.otherOperations} other pending operation(s)`,
  );

  let resolutions: Resolution[] = [];
  if (pending.creates.length > 0) {
    resolutions = await resolveAgainstFlashback(pulumi, clientFactory, pending, trackedIds(state));
  }

  const imports = resolutions.filter((r) => r.action === "import");
  if (imports.length > 0) {
    const settled = settlePendingCreates(state, resolutions);
    const imported = await pulumi.run(["stack", "import"], "stream", JSON.stringify(settled));
    if (imported.code !== 0) {
      throw new RecoverError(
        `\`pulumi stack import\` failed (exit ${imported.code}); see its output above. The state was not changed.`,
      );
    }
    for (const resolution of resolutions) print(describeResolution(resolution));
  }

  const refresh = await pulumi.run(
    ["refresh", "--yes", "--skip-preview", "--clear-pending-creates"],
    "stream",
  );
  if (refresh.code !== 0) {
    throw new RecoverError(
      `\`pulumi refresh\` failed (exit ${refresh.code}); see its output above.` +
        (imports.length > 0
          ? " The configurations and stored provider keys listed as imported are in the state already."
          : "") +
        " Fix the cause (often the Flashback URL or token recorded for the stack's provider), then run " +
        "flashback-recover again before re-running the interrupted command.",
    );
  }
  if (imports.length === 0) for (const resolution of resolutions) print(describeResolution(resolution));
  print("flashback-recover: the stack is consistent with Flashback; re-run the interrupted pulumi command.");
  return { resolutions, otherOperations: pending.otherOperations };
}

/** Stops, before anything is changed, when a pending create cannot be matched. */
function refuseWhatCannotBeSettled(pending: PendingSummary): void {
  const problems = [
    ...pending.unreadable.map(({ urn, reason }) => `  ${urn}: ${reason}`),
    ...pending.otherCreates.map(
      (urn) => `  ${urn}: not an AiLlmConfig or a ProviderApiKey, so this tool cannot tell whether it exists`,
    ),
  ];
  if (problems.length === 0) return;
  throw new RecoverError(
    "these pending creates cannot be settled automatically:\n" +
      `${problems.join("\n")}\n` +
      "Nothing but the lock was changed. Run `pulumi refresh` in a terminal: it asks, for each pending create, " +
      "whether to clear it or import it by id (choose skip for the AiLlmConfig and ProviderApiKey ones); " +
      "then run flashback-recover again.",
  );
}

/** Reads the API settings like the provider does and matches each pending create against its workspace. */
async function resolveAgainstFlashback(
  pulumi: PulumiCli,
  clientFactory: (config: ConfigLookup) => RecoverApi,
  pending: PendingSummary,
  tracked: TrackedIds,
): Promise<Resolution[]> {
  // The output holds credentials: captured, parsed, never printed.
  const config = await pulumi.run(["config", "--json", "--show-secrets"], "capture");
  if (config.code !== 0) {
    throw new RecoverError(`\`pulumi config\` failed (exit ${config.code})${tail(config.stderr)}`);
  }
  let client: RecoverApi;
  try {
    client = clientFactory(stackConfigLookup(config.stdout));
  } catch (error) {
    // A missing or unusable setting: the message names it, never a value.
    throw new RecoverError(
      `${(error as Error).message}. Nothing but the lock was changed; set it and run flashback-recover again.`,
    );
  }
  try {
    return await resolvePendingCreates(pending.creates, tracked, {
      AiLlmConfig: (workspaceId) => client.listAiLlms(workspaceId),
      ProviderApiKey: (workspaceId) => client.listApiKeys({ workspaceId }),
    });
  } catch (error) {
    throw new RecoverError(
      `looking the pending creates up in Flashback failed: ${(error as Error).message}. ` +
        "Nothing but the lock was changed; fix the cause and run flashback-recover again.",
    );
  } finally {
    await client.close();
  }
}
