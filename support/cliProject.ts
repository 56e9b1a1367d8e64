import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, promises as fs, readdirSync, readFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { ensurePulumiRoot, REPO_ROOT } from "./engine";

/*
 * Real Pulumi projects run by the real `pulumi` CLI, the way a user or a CD job runs
 * them: a folder with Pulumi.yaml, package.json and a program, the packed package
 * (`npm pack`) installed with `npm install`, a file backend, a passphrase secrets
 * provider, and `pulumi up` / `preview` / `refresh` / `destroy` as child processes.
 * Needs a Node.js language host (pulumi-language-nodejs): Pulumi's own from a full
 * install, else this repository's test host; see languageHost().
 */

const execFileAsync = promisify(execFile);

const PASSPHRASE = "pulumi-flashback-cli-passphrase";

/** The SDK version the repository develops against, the newest for Node 20. */
export const SDK_VERSION: string = JSON.parse(
  execFileSync("node", ["-p", "JSON.stringify(require('@pulumi/pulumi/package.json').version)"], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  }),
);

/** Where the CLI-project tests find the Node.js language host, or why they cannot. */
export type LanguageHostLookup = { found: true; dir: string } | { found: false; reason: string };

let hostLookup: LanguageHostLookup | undefined;

/**
 * The Node.js language host the CLI-project tests run with, from
 * scripts/ensure-language-host.sh: Pulumi's own where a Pulumi install has one, else this
 * repository's test host (tools/pulumi-language-nodejs), built with Go on first use. Says in
 * one line which host it is.
 */
export function languageHost(): LanguageHostLookup {
  if (hostLookup) return hostLookup;
  try {
    const dir = runEnsureScript("ensure-language-host.sh");
    const binary = path.join(dir, "pulumi-language-nodejs");
    console.log(`      CLI-project tests run with pulumi-language-nodejs ${describeHost(binary)}: ${binary}`);
    hostLookup = { found: true, dir };
  } catch {
    hostLookup = {
      found: false,
      reason:
        "no pulumi-language-nodejs: scripts/ensure-language-host.sh found no Pulumi install and " +
        "could not build this repository's test host (is Go installed?); install the Pulumi CLI with " +
        "its language hosts (https://www.pulumi.com/docs/iac/download-install/) to run the CLI-project tests",
    };
  }
  return hostLookup;
}

/** Runs one of scripts/ensure-*.sh (it may build with Go; progress shows) and returns the folder it prints. */
function runEnsureScript(script: string): string {
  return execFileSync("bash", [path.join(REPO_ROOT, "scripts", script)], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
}

/** Whose host a binary is, from the version it reports (ours mark theirs "0.0.0-flashback."). */
function describeHost(binary: string): string {
  let version: string;
  try {
    version = execFileSync(binary, ["-version"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "(Pulumi's own, version unknown)";
  }
  return version.startsWith("0.0.0-flashback.")
    ? `${version} (this repository's test host, tools/pulumi-language-nodejs)`
    : `${version} (Pulumi's own)`;
}

/**
 * In CI a missing host fails the suite instead of skipping it: CI must run every
 * CLI-project test, and a green run that skipped them would prove nothing.
 */
function skipOrFail(context: Mocha.Context, reason: string): void {
  if (process.env.CI) throw new Error(`CI=${process.env.CI}, so this is a failure: ${reason}`);
  console.log(`      skipped: ${reason}`);
  context.skip();
}

/**
 * Skips the enclosing mocha suite, with one line saying why, when there is no language
 * host (fails it in CI). Call at the top of a `describe` body.
 */
export function requireLanguageHost(): void {
  before(function () {
    const host = languageHost();
    if (!host.found) skipOrFail(this, host.reason);
  });
}

let yamlHostLookup: LanguageHostLookup | undefined;

/**
 * Pulumi's YAML language host, `pulumi-language-yaml`, from scripts/ensure-pulumi-yaml.sh: one
 * on PATH, else the cached build, else built from the Go module proxy on first use (.ci/run
 * builds it before the tests).
 */
export function yamlLanguageHost(): LanguageHostLookup {
  if (yamlHostLookup) return yamlHostLookup;
  try {
    yamlHostLookup = { found: true, dir: runEnsureScript("ensure-pulumi-yaml.sh") };
  } catch {
    yamlHostLookup = {
      found: false,
      reason:
        "pulumi-language-yaml (Pulumi's YAML language host) is neither on PATH nor could be built; " +
        "`bash scripts/ensure-pulumi-yaml.sh` builds it with Go, or install the Pulumi CLI " +
        "with its language hosts to run the Pulumi YAML tests",
    };
  }
  return yamlHostLookup;
}

/**
 * Skips the enclosing mocha suite, with one line saying why, when there is no YAML
 * language host (fails it in CI). Call at the top of a `describe` body, after {@link requireLanguageHost}.
 */
export function requireYamlLanguageHost(): void {
  before(function () {
    const host = yamlLanguageHost();
    if (!host.found) skipOrFail(this, host.reason);
  });
}

let tarball: string | undefined;

/** `npm pack` of the repository as it is now (dist/ must be built; `npm test` builds it), once per process. */
export function packedPackage(): string {
  if (tarball) return tarball;
  const dir = mkdtempSync(path.join(os.tmpdir(), "flashback-pack-"));
  const out = execFileSync("npm", ["pack", "--silent", "--pack-destination", dir], {
    cwd: REPO_ROOT,
    encoding: "utf8",
  }).trim();
  tarball = path.join(dir, out.split("\n").pop() as string);
  return tarball;
}

/** The result of one CLI command. */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, for assertions on what a user sees. */
  text: string;
}

/** Options of {@link CliProject.create}. */
export interface CliProjectOptions {
  /** Files of the project (Pulumi.yaml, package.json, the program), by relative path. */
  files: Record<string, string>;
  /** Stack configuration set with `pulumi config set` (`secret` ones with --secret). */
  config?: Record<string, { value: string; secret?: boolean }>;
  /** Stack name; default "dev". */
  stackName?: string;
  /** Extra environment of every command. */
  env?: Record<string, string>;
  /** Folder holding the `node` to run programs and providers with; default the one on PATH. */
  nodeDir?: string;
  /** Skip `npm install` (the caller installs). */
  skipInstall?: boolean;
  /** More folders for PATH, after the CLI's and the Node.js language host's. */
  pathDirs?: string[];
}

/**
 * One Pulumi project on disk with its own file backend and PULUMI_HOME, run by the
 * real CLI. Every command's output is kept in {@link CliProject.output}.
 */
export class CliProject {
  /** Everything every command printed. */
  readonly output: string[] = [];
  /** Environment of every command; tests may change entries between commands. */
  readonly env: Record<string, string>;

  private constructor(
    readonly root: string,
    readonly dir: string,
    readonly stateDir: string,
    readonly stackName: string,
    env: Record<string, string>,
  ) {
    this.env = env;
  }

  /** Writes the project, installs its dependencies, creates the stack and sets its config. */
  static async create(options: CliProjectOptions): Promise<CliProject> {
    const host = languageHost();
    if (!host.found) throw new Error(host.reason);
    const root = await fs.mkdtemp(path.join(os.tmpdir(), "flashback-cli-"));
    const dir = path.join(root, "project");
    const stateDir = path.join(root, "state");
    const pulumiHome = path.join(root, "pulumi-home");
    await Promise.all([dir, stateDir, pulumiHome].map((d) => fs.mkdir(d, { recursive: true })));
    for (const [file, text] of Object.entries(options.files)) {
      await fs.mkdir(path.dirname(path.join(dir, file)), { recursive: true });
      await fs.writeFile(path.join(dir, file), text);
    }
    const cliDir = path.join(ensurePulumiRoot(), "bin");
    // The chosen host before the CLI's folder: the CLI looks on PATH before beside itself,
    // so a stray host left in the CLI's folder must not take its place.
    const pathDirs = [
      options.nodeDir,
      host.dir,
      cliDir,
      ...(options.pathDirs ?? []),
      process.env.PATH,
    ].filter(Boolean);
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      PATH: pathDirs.join(path.delimiter),
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_BACKEND_URL: `file://${stateDir}`,
      PULUMI_HOME: pulumiHome,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      NO_COLOR: "1",
      ...(options.env ?? {}),
    };
    // The tests' own credentials must not leak into the project from the test process.
    for (const name of ["FLASHBACK_API_URL", "FLASHBACK_TOKEN", "FLASHBACK_REFRESH_TOKEN"]) {
      if (!options.env || !(name in options.env)) delete env[name];
    }
    const project = new CliProject(root, dir, stateDir, options.stackName ?? "dev", env);
    if (!options.skipInstall) {
      const install = ["install", "--no-audit", "--no-fund", "--prefer-offline"];
      // Once more on failure: npm's shared cache can fail a run when another install races it.
      await project.npm(install).catch(() => project.npm(install));
    }
    await project.installDynamicProviderPlugin();
    await project.mustRun(["stack", "init", project.stackName, "--secrets-provider", "passphrase"]);
    for (const [key, { value, secret }] of Object.entries(options.config ?? {})) {
      await project.setConfig(key, value, secret);
    }
    return project;
  }

  /** `pulumi config set [--secret] key value`. */
  async setConfig(key: string, value: string, secret = false): Promise<void> {
    await this.mustRun(["config", "set", ...(secret ? ["--secret"] : []), "--", key, value]);
  }

  /** Runs `npm` in the project folder with the project's PATH. */
  async npm(args: string[]): Promise<string> {
    const { stdout } = await execFileAsync("npm", args, {
      cwd: this.dir,
      env: this.env,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  /** Runs `pulumi <args> --stack <stack> --non-interactive`; resolves whatever the exit code. */
  run(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = this.spawn(args, env);
      let stdout = "";
      let stderr = "";
      child.stdout?.on("data", (chunk) => (stdout += chunk));
      child.stderr?.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        const text = `${stdout}\n${stderr}`;
        // A value given to `config set` is the test's own input, not something Pulumi wrote.
        const shown = args[0] === "config" && args[1] === "set" ? args.slice(0, -1) : args;
        this.output.push(`$ pulumi ${shown.join(" ")}\n${text}`);
        resolve({ code, stdout, stderr, text });
      });
    });
  }

  /** Like {@link CliProject.run}, but rejects with the whole output when the exit code is not 0. */
  async mustRun(args: string[], env: Record<string, string> = {}): Promise<CommandResult> {
    const result = await this.run(args, env);
    if (result.code !== 0) {
      throw new Error(`pulumi ${args.join(" ")} exited with ${result.code}:\n${result.text}`);
    }
    return result;
  }

  /**
   * Starts `pulumi <args>` in its own process group, so that a test can kill the CLI and
   * everything it started at once, as a CD runner's timeout or cancel does.
   */
  spawn(args: string[], env: Record<string, string> = {}): ChildProcess {
    const flags = [
      "--non-interactive",
      ...(args[0] === "stack" && args[1] === "init" ? [] : ["--stack", this.stackName]),
    ];
    // Flags go before a `--`, after which cobra reads everything as positional.
    const end = args.indexOf("--");
    const fullArgs = end < 0 ? [...args, ...flags] : [...args.slice(0, end), ...flags, ...args.slice(end)];
    return spawn(this.pulumiPath(), fullArgs, {
      cwd: this.dir,
      env: { ...this.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
  }

  /**
   * Runs a command other than pulumi (say, a bin of the installed package) in the project
   * folder with the project's environment; resolves whatever the exit code. Its output
   * joins {@link CliProject.output}.
   */
  runCommand(file: string, args: string[] = [], env: Record<string, string> = {}): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(file, args, {
        cwd: this.dir,
        env: { ...this.env, ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk) => (stdout += chunk));
      child.stderr.on("data", (chunk) => (stderr += chunk));
      child.on("error", reject);
      child.on("close", (code) => {
        const text = `${stdout}\n${stderr}`;
        this.output.push(`$ ${path.basename(file)} ${args.join(" ")}\n${text}`);
        resolve({ code, stdout, stderr, text });
      });
    });
  }

  /** The text of every file the backend wrote: state, backups, history, locks. */
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

  /** `pulumi stack export` as parsed JSON (secrets stay encrypted). */
  async exportState(): Promise<ExportedDeployment> {
    const { stdout } = await this.mustRun(["stack", "export"]);
    return JSON.parse(stdout) as ExportedDeployment;
  }

  /** The resources of one type in `pulumi stack export`. */
  async resourcesOfType(type = "pulumi-nodejs:dynamic/flashback:AiLlmConfig"): Promise<ExportedResource[]> {
    return ((await this.exportState()).deployment.resources ?? []).filter((r) => r.type === type);
  }

  /** `pulumi stack output --json`, secrets shown as "[secret]". */
  async outputs(): Promise<Record<string, unknown>> {
    return JSON.parse((await this.mustRun(["stack", "output", "--json"])).stdout);
  }

  /** Everything a secret must not appear in: state files, backups, history, export, output. */
  async everythingWritten(): Promise<string> {
    const exported = await this.run(["stack", "export"]);
    return [await this.stateFilesText(), exported.stdout, this.output.join("\n")].join("\n");
  }

  /** Lock files of the file backend (left behind by a killed run). */
  lockFiles(): string[] {
    const locks = path.join(this.stateDir, ".pulumi", "locks");
    if (!existsSync(locks)) return [];
    return readdirSync(locks, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => path.join(e.parentPath, e.name));
  }

  /** Removes the project's temporary folder. */
  async cleanup(): Promise<void> {
    await fs.rm(this.root, { recursive: true, force: true });
  }

  private pulumiPath(): string {
    return path.join(ensurePulumiRoot(), "bin", "pulumi");
  }

  /**
   * The dynamic-provider plugin ships at the root of @pulumi/pulumi; a full Pulumi install
   * bundles it with the CLI. Installed into PULUMI_HOME from the project's own SDK, so the
   * provider runs with the SDK version the project installed.
   */
  private async installDynamicProviderPlugin(): Promise<void> {
    const sdkDir = path.join(this.dir, "node_modules", "@pulumi", "pulumi");
    const sdk = existsSync(sdkDir) ? sdkDir : path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi");
    const version = JSON.parse(await fs.readFile(path.join(sdk, "package.json"), "utf8")).version;
    const pluginDir = path.join(this.env.PULUMI_HOME, "plugins", `resource-pulumi-nodejs-v${version}`);
    await fs.mkdir(pluginDir, { recursive: true });
    await fs.symlink(
      path.join(sdk, "pulumi-resource-pulumi-nodejs"),
      path.join(pluginDir, "pulumi-resource-pulumi-nodejs"),
    );
  }
}

/** `pulumi stack export` output. */
export interface ExportedDeployment {
  deployment: {
    resources?: ExportedResource[];
    pending_operations?: { type: string; resource: ExportedResource }[];
  };
}

/** One resource of an export. */
export interface ExportedResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  dependencies?: string[];
}

/** A package.json for a test project that installs only the SDK (and `dependencies`). */
export function sdkPackageJson(
  name: string,
  extra: Record<string, unknown> = {},
  dependencies: Record<string, string> = {},
): string {
  return JSON.stringify(
    { name, private: true, ...extra, dependencies: { "@pulumi/pulumi": SDK_VERSION, ...dependencies } },
    null,
    2,
  );
}

/** A package.json for a test project that installs the packed package and the SDK. */
export function projectPackageJson(
  name: string,
  extra: Record<string, unknown> = {},
  dependencies: Record<string, string> = {},
): string {
  return sdkPackageJson(name, extra, { "pulumi-flashback": `file:${packedPackage()}`, ...dependencies });
}

/**
 * An example of `examples/` as shipped (`Pulumi.yaml`, `package.json` and `index.ts` where
 * it has one), its dependency on the checkout pointed at the packed tarball, as a user's
 * copy would be.
 */
export function shippedExample(example: string): Record<string, string> {
  const dir = path.join(REPO_ROOT, "examples", example);
  const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
  const packed = JSON.parse(projectPackageJson(manifest.name));
  manifest.dependencies = { ...manifest.dependencies, ...packed.dependencies };
  const files: Record<string, string> = {
    "Pulumi.yaml": readFileSync(path.join(dir, "Pulumi.yaml"), "utf8"),
    "package.json": JSON.stringify(manifest, null, 2),
  };
  if (existsSync(path.join(dir, "index.ts")))
    files["index.ts"] = readFileSync(path.join(dir, "index.ts"), "utf8");
  return files;
}
