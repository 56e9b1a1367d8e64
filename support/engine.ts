import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { promises as fs, mkdtempSync, mkdirSync, symlinkSync, existsSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { installedPackageDir } from "./installedPackage";
import {
  LocalWorkspace,
  PulumiCommand,
  type PulumiFn,
  type Stack,
  type ConfigMap,
} from "@pulumi/pulumi/automation";

/** The repository root (where package.json lives). */
export const REPO_ROOT = path.resolve(__dirname, "..");

const execFileAsync = promisify(execFile);

const PASSPHRASE = "pulumi-flashback-test-passphrase";

let pulumiRoot: string | undefined;

/**
 * A directory `root` with `root/bin/pulumi`, the layout `PulumiCommand.get` wants.
 * Uses scripts/ensure-pulumi.sh, which builds and caches the pinned CLI when no
 * recent one is on PATH (.ci/run runs it first, so here it is only a lookup).
 */
export function ensurePulumiRoot(): string {
  if (pulumiRoot) return pulumiRoot;
  const binDir = execFileSync("bash", [path.join(REPO_ROOT, "scripts", "ensure-pulumi.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  if (path.basename(binDir) === "bin") {
    pulumiRoot = path.dirname(binDir);
  } else {
    pulumiRoot = mkdtempSync(path.join(os.tmpdir(), "pulumi-root-"));
    mkdirSync(path.join(pulumiRoot, "bin"));
    symlinkSync(path.join(binDir, "pulumi"), path.join(pulumiRoot, "bin", "pulumi"));
  }
  return pulumiRoot;
}

/** Options of {@link EngineStack.create}. */
export interface EngineStackOptions {
  /** The inline program. */
  program: PulumiFn;
  /** Stack configuration, e.g. `{"flashback:token": {value, secret: true}}`. */
  config?: ConfigMap;
  /** Extra environment for the engine and the provider process. */
  env?: Record<string, string>;
  projectName?: string;
  stackName?: string;
}

/**
 * A real Pulumi stack run by the real CLI through the Automation API: a local
 * file backend and a passphrase secrets provider in a temporary folder, and a
 * project folder where `pulumi-flashback` and `@pulumi/pulumi` resolve the way
 * they do in a user's project (the dynamic provider host loads our shim from it).
 */
export class EngineStack {
  /** Everything the CLI printed, over every operation. */
  readonly output: string[] = [];

  private constructor(
    readonly stack: Stack,
    readonly root: string,
    readonly stateDir: string,
    private readonly cli: PulumiCommand,
    private readonly env: Record<string, string>,
  ) {}

  /** Creates a fresh stack in a new temporary folder. */
  static async create(options: EngineStackOptions): Promise<EngineStack> {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-engine-"));
    const stateDir = path.join(root, "state");
    const workDir = path.join(root, "project");
    const pulumiHome = path.join(root, "pulumi-home");
    await Promise.all([stateDir, workDir, pulumiHome].map((d) => fs.mkdir(d, { recursive: true })));
    await linkPackages(workDir);
    await installDynamicProviderPlugin(pulumiHome);
    const pulumiCommand = await PulumiCommand.get({ root: ensurePulumiRoot() });
    const env: Record<string, string> = {
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_HOME: pulumiHome,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
      ...(options.env ?? {}),
    };
    const stack = await LocalWorkspace.createOrSelectStack(
      {
        projectName: options.projectName ?? "flashback-test",
        stackName: options.stackName ?? "dev",
        program: options.program,
      },
      {
        workDir,
        pulumiHome,
        pulumiCommand,
        secretsProvider: "passphrase",
        projectSettings: {
          name: options.projectName ?? "flashback-test",
          runtime: "nodejs",
          backend: { url: `file://${stateDir}` },
        },
        envVars: env,
      },
    );
    if (options.config) await stack.setAllConfig(options.config);
    return new EngineStack(stack, root, stateDir, pulumiCommand, env);
  }

  /** `pulumi up`, capturing the CLI output. */
  up(opts: Parameters<Stack["up"]>[0] = {}) {
    return this.stack.up({ ...opts, onOutput: this.capture(opts.onOutput) });
  }

  /** `pulumi preview`, capturing the CLI output. */
  preview(opts: Parameters<Stack["preview"]>[0] = {}) {
    return this.stack.preview({ ...opts, onOutput: this.capture(opts.onOutput) });
  }

  /** `pulumi refresh`, capturing the CLI output. */
  refresh(opts: Parameters<Stack["refresh"]>[0] = {}) {
    return this.stack.refresh({ ...opts, onOutput: this.capture(opts.onOutput) });
  }

  /** `pulumi destroy`, capturing the CLI output. */
  destroy(opts: Parameters<Stack["destroy"]>[0] = {}) {
    return this.stack.destroy({ ...opts, onOutput: this.capture(opts.onOutput) });
  }

  /**
   * `pulumi stack export` as a user runs it (secrets stay encrypted). The
   * Automation API's exportStack adds --show-secrets, so it is no use for
   * checking that secrets are hidden.
   */
  async exportText(): Promise<string> {
    const { stdout } = await execFileAsync(
      this.cli.command,
      ["stack", "export", "--stack", this.stack.name, "--non-interactive"],
      {
        cwd: this.stack.workspace.workDir,
        env: { ...process.env, ...this.env },
        maxBuffer: 256 * 1024 * 1024,
      },
    );
    return stdout;
  }

  /** `pulumi stack export --show-secrets` as parsed JSON, for reading ids and outputs. */
  async exportState(): Promise<{ deployment: { resources?: StateResource[] } }> {
    return (await this.stack.exportStack()) as unknown as { deployment: { resources?: StateResource[] } };
  }

  /** The custom resources of one type in the exported state. */
  async resourcesOfType(type = "pulumi-nodejs:dynamic/flashback:AiLlmConfig"): Promise<StateResource[]> {
    const state = await this.exportState();
    return (state.deployment.resources ?? []).filter((r) => r.type === type);
  }

  /** The text of every file the backend wrote (state, backups, history). */
  async stateFilesText(): Promise<string> {
    const texts: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.isFile()) texts.push(await fs.readFile(full, "utf8"));
      }
    };
    if (existsSync(this.stateDir)) await walk(this.stateDir);
    return texts.join("\n");
  }

  /** Everything a secret must not appear in: state files, stack export, CLI output. */
  async everythingWritten(): Promise<string> {
    return [await this.stateFilesText(), await this.exportText(), this.output.join("")].join("\n");
  }

  /** Removes the stack's temporary folder. */
  async cleanup(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  private capture(next?: (out: string) => void): (out: string) => void {
    return (out) => {
      this.output.push(out);
      next?.(out);
    };
  }
}

/** One resource of an exported deployment. */
export interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  additionalSecretOutputs?: string[];
}

/**
 * Makes `pulumi-flashback` and `@pulumi/pulumi` resolve from `workDir`, as they do
 * in a user's project after `npm install pulumi-flashback` (see installedPackage.ts).
 */
async function linkPackages(workDir: string): Promise<void> {
  const modules = path.join(workDir, "node_modules");
  await fs.mkdir(path.join(modules, "@pulumi"), { recursive: true });
  await fs.symlink(installedPackageDir(), path.join(modules, "pulumi-flashback"), "dir");
  await fs.symlink(
    path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi"),
    path.join(modules, "@pulumi", "pulumi"),
    "dir",
  );
}

/**
 * Installs the dynamic-provider plugin, which ships at the root of the
 * @pulumi/pulumi package, into PULUMI_HOME's plugin folder. Found on PATH instead,
 * it works too, but the CLI then warns about it on every operation.
 */
async function installDynamicProviderPlugin(pulumiHome: string): Promise<void> {
  const sdkDir = path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");
  const version = JSON.parse(await fs.readFile(path.join(sdkDir, "package.json"), "utf8")).version;
  const pluginDir = path.join(pulumiHome, "plugins", `resource-pulumi-nodejs-v${version}`);
  await fs.mkdir(pluginDir, { recursive: true });
  await fs.symlink(
    path.join(sdkDir, "pulumi-resource-pulumi-nodejs"),
    path.join(pluginDir, "pulumi-resource-pulumi-nodejs"),
  );
}
