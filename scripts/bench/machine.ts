/**
 * What the benchmark ran on: timings mean little without it.
 * @packageDocumentation
 */
import { execFileSync } from "node:child_process";
import * as os from "node:os";
import * as path from "node:path";
import { ensurePulumiRoot, REPO_ROOT } from "../../support/engine";

/** The machine and tool versions, as reported with every result. */
export interface MachineInfo {
  /** Logical CPUs available to this process. */
  cores: number;
  cpuModel: string;
  totalMemoryMB: number;
  platform: string;
  arch: string;
  /** `process.version` of the process that runs the bench (and the inline programs). */
  node: string;
  /** `pulumi version` of the CLI the Automation API drives. */
  pulumi: string;
  /** The `@pulumi/pulumi` SDK version installed in the repository. */
  pulumiSdk: string;
}

/** Collects {@link MachineInfo}; runs `pulumi version` once. */
export function describeMachine(): MachineInfo {
  const pulumi = execFileSync(path.join(ensurePulumiRoot(), "bin", "pulumi"), ["version"], {
    encoding: "utf8",
    env: { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true" },
  }).trim();
  const sdk = require(path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "package.json")) as {
    version: string;
  };
  return {
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : os.cpus().length,
    cpuModel: os.cpus()[0]?.model?.trim() ?? "unknown",
    totalMemoryMB: Math.round(os.totalmem() / 2 ** 20),
    platform: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    pulumi,
    pulumiSdk: sdk.version,
  };
}
