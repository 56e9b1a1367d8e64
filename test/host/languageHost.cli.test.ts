import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { promises as fs, readFileSync } from "node:fs";
import * as path from "node:path";
import { promisify } from "node:util";
import {
  CliProject,
  languageHost,
  requireLanguageHost,
  SDK_VERSION,
  sdkPackageJson,
} from "../../support/cliProject";
import { ensurePulumiRoot, REPO_ROOT } from "../../support/engine";

/*
 * The Node.js language host the CLI-project tests run with (Pulumi's own where installed,
 * else tools/pulumi-language-nodejs), tested through the real `pulumi` CLI on the smallest
 * projects that show each thing a host must do: configuration and secrets reaching the
 * program, runtime options, errors and bails worded as Pulumi's host words them, a policy
 * pack's violation failing the preview, a component's schema inferred, `pulumi install`.
 * None of these projects uses pulumi-flashback, so a failure here is the host's.
 */

const execFileAsync = promisify(execFile);

const SECRET = `host-secret-${randomBytes(12).toString("hex")}`;

/** A package.json with only the SDK (and TypeScript where the program is TypeScript). */
function manifest(name: string, extra: Record<string, unknown> = {}, typescript = false): string {
  // The compiler the repository builds with, already in npm's cache.
  const typescriptVersion = JSON.parse(
    readFileSync(path.join(REPO_ROOT, "node_modules", "typescript", "package.json"), "utf8"),
  ).version as string;
  return sdkPackageJson(name, extra, typescript ? { typescript: typescriptVersion } : {});
}

/** The folder of the `pulumi` binary the tests use. */
const cliDir = (): string => path.join(ensurePulumiRoot(), "bin");

describe("the Node.js language host, through the pulumi CLI", function () {
  this.timeout(300_000);
  requireLanguageHost();

  describe("a JavaScript program with configuration (typescript: false)", () => {
    let project: CliProject;

    before(async () => {
      project = await CliProject.create({
        files: {
          "Pulumi.yaml": "name: host-config\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
          "package.json": manifest("host-config", { main: "index.js" }),
          "index.js": `"use strict";
const pulumi = require("@pulumi/pulumi");
const config = new pulumi.Config();
module.exports = {
  greeting: "hello " + config.require("name"),
  other: new pulumi.Config("other").require("setting"),
  secretLength: pulumi.unsecret(config.requireSecret("hidden").apply((s) => s.length)),
  hidden: config.requireSecret("hidden"),
  tsNodeLoaded: Boolean(process[Symbol.for("ts-node.register.instance")]),
  stack: pulumi.getStack(),
  project: pulumi.getProject(),
};
`,
        },
        config: {
          name: { value: "world" },
          "other:setting": { value: "from another namespace" },
          hidden: { value: SECRET, secret: true },
        },
      });
    });

    after(async () => {
      await project?.cleanup();
    });

    it("up: plain and secret configuration reach the program; the secret stays a secret", async () => {
      await project.mustRun(["up", "--yes"]);
      const outputs = await project.outputs();
      assert.equal(outputs.greeting, "hello world");
      assert.equal(outputs.other, "from another namespace");
      assert.equal(outputs.secretLength, SECRET.length, "the program read the decrypted secret");
      assert.equal(outputs.hidden, "[secret]", "a secret config value is a secret output");
      assert.equal(outputs.tsNodeLoaded, false, "typescript: false runs the program without ts-node");
      assert.equal(outputs.stack, "dev");
      assert.equal(outputs.project, "host-config");
      assert.ok(!(await project.everythingWritten()).includes(SECRET), "the secret appears in plain text");
    });

    it("no node on PATH: the run fails saying so, and the stack is unchanged", async () => {
      const host = languageHost();
      assert.ok(host.found);
      // A PATH of only the CLI and the host: their folders may hold a node of their own.
      const bare = path.join(project.root, "bare-path");
      await fs.mkdir(bare, { recursive: true });
      await fs.symlink(path.join(cliDir(), "pulumi"), path.join(bare, "pulumi"));
      await fs.symlink(
        path.join(host.dir, "pulumi-language-nodejs"),
        path.join(bare, "pulumi-language-nodejs"),
      );
      const result = await project.run(["up", "--yes"], { PATH: bare });
      assert.notEqual(result.code, 0);
      // Pulumi's host words it "could not find node on the $PATH" (newer: "locating node").
      assert.match(result.text, /could not find node on the \$PATH|locating node/);
      assert.equal((await project.outputs()).greeting, "hello world", "the last good outputs are kept");
    });
  });

  describe("a TypeScript program in a subfolder (main:) with nodeargs", () => {
    let project: CliProject;

    before(async () => {
      project = await CliProject.create({
        files: {
          "Pulumi.yaml":
            "name: host-options\nmain: app/\nruntime:\n  name: nodejs\n  options:\n" +
            // node runs in the program's folder (main:), as with Pulumi's host.
            '    nodeargs: "--require ./preload.js --max-old-space-size=300"\n',
          "package.json": manifest("host-options", {}, true),
          "app/package.json": JSON.stringify({ name: "host-options-app", main: "index.ts" }),
          "app/index.ts": `import * as pulumi from "@pulumi/pulumi";
import * as v8 from "node:v8";
const mode = new pulumi.Config().get("mode");
if (mode === "throw") throw new Error("boom from the program");
if (mode === "run-error") throw new pulumi.RunError("a RunError shows without a stack trace");
if (mode === "exit") process.exit(7);
const typed: number = 41 + 1;
export const answer = typed;
export const preloaded = (globalThis as { preloaded?: string }).preloaded;
export const heapLimitMb = Math.round(v8.getHeapStatistics().heap_size_limit / 2 ** 20);
export const rootDirectory = pulumi.getRootDirectory();
export const workingDirectory = process.cwd();
`,
          "app/preload.js": `globalThis.preloaded = "loaded by nodeargs";\n`,
        },
      });
    });

    after(async () => {
      await project?.cleanup();
    });

    it("nodeargs reach node, the program runs from main:, and the root is the project folder", async () => {
      await project.mustRun(["up", "--yes"]);
      const outputs = await project.outputs();
      assert.equal(outputs.answer, 42, "the TypeScript program ran");
      assert.equal(outputs.preloaded, "loaded by nodeargs");
      assert.ok(
        typeof outputs.heapLimitMb === "number" && outputs.heapLimitMb < 400,
        `--max-old-space-size=300 reached node: ${String(outputs.heapLimitMb)} MB`,
      );
      const real = await fs.realpath(project.dir);
      assert.equal(await fs.realpath(String(outputs.rootDirectory)), real);
      assert.equal(await fs.realpath(String(outputs.workingDirectory)), path.join(real, "app"));
    });

    it("a thrown error is reported once, by the SDK, as Pulumi's host reports it (a bail)", async () => {
      await project.setConfig("mode", "throw");
      const result = await project.run(["preview"]);
      assert.notEqual(result.code, 0);
      assert.match(result.text, /Running program '[^']*' failed with an unhandled exception:/);
      assert.equal(
        result.stdout.split("Error: boom from the program").length - 1,
        1,
        `the error is shown exactly once:\n${result.stdout}`,
      );
      assert.doesNotMatch(result.text, /non-zero exit code/, "a bail adds no second message");
    });

    it("a RunError is shown without a stack trace (a bail)", async () => {
      await project.setConfig("mode", "run-error");
      const result = await project.run(["preview"]);
      assert.notEqual(result.code, 0);
      assert.match(result.text, /error: a RunError shows without a stack trace/);
      assert.doesNotMatch(result.text, /at Object\.<anonymous>/);
      assert.doesNotMatch(result.text, /non-zero exit code/);
    });

    it("a program that exits non-zero is reported with its exit code", async () => {
      await project.setConfig("mode", "exit");
      const result = await project.run(["preview"]);
      assert.notEqual(result.code, 0);
      assert.match(result.text, /Program exited with non-zero exit code: 7/);
    });

    it("a TypeScript type error fails the preview with the compiler's message", async () => {
      await project.setConfig("mode", "ok");
      const file = path.join(project.dir, "app", "index.ts");
      await fs.writeFile(file, (await fs.readFile(file, "utf8")).replace("41 + 1", '"forty-two"'));
      const result = await project.run(["preview"]);
      assert.notEqual(result.code, 0);
      assert.match(result.text, /TS2322/);
    });
  });

  describe("a policy pack (preview --policy-pack)", () => {
    let project: CliProject;
    let packDir: string;

    before(async () => {
      project = await CliProject.create({
        stackName: "staging",
        files: {
          "Pulumi.yaml": "name: host-policy\nruntime: nodejs\n",
          "package.json": manifest("host-policy", { main: "index.js" }),
          "index.js": `"use strict";\nmodule.exports = { value: "nothing to see" };\n`,
          "pack/PulumiPolicy.yaml":
            "description: the host test's pack\nruntime:\n  name: nodejs\n  options:\n    typescript: false\n",
          "pack/package.json": JSON.stringify({
            name: "host-test-pack",
            version: "0.0.1",
            main: "index.js",
            dependencies: { "@pulumi/policy": "^1.21.0", "@pulumi/pulumi": SDK_VERSION },
          }),
          "pack/index.js": `"use strict";
const pulumi = require("@pulumi/pulumi");
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("host-test-pack", {
  policies: [{
    name: "no-staging",
    description: "names the stack it checks",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
      const limit = new pulumi.Config("host").get("limit") ?? "unset";
      if (pulumi.getStack() === "staging") reportViolation("stack " + pulumi.getStack() + " of " + pulumi.getProject() + ", limit " + limit);
    },
  }],
});
`,
        },
        config: { "host:limit": { value: "7" } },
      });
      packDir = path.join(project.dir, "pack");
      await execFileAsync("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
        cwd: packDir,
      });
    });

    after(async () => {
      await project?.cleanup();
    });

    it("a violation fails the preview, and the pack saw the stack's names and configuration", async () => {
      const result = await project.run(["preview", "--policy-pack", packDir]);
      assert.notEqual(result.code, 0, result.text);
      assert.match(result.text, /\[mandatory\]\s+no-staging/);
      assert.match(result.text, /stack staging of host-policy, limit 7/);
    });
  });

  describe("a component package (pulumi package get-schema)", () => {
    let project: CliProject;

    before(async () => {
      project = await CliProject.create({
        files: {
          "Pulumi.yaml": "name: host-component\nruntime: nodejs\n",
          "package.json": manifest("host-component", { main: "index.js" }),
          "index.js": `"use strict";\n`,
          "greeter/PulumiPlugin.yaml": "runtime: nodejs\n",
          "greeter/package.json": manifest("greeter", { main: "index.ts" }, true),
          "greeter/index.ts": `import * as pulumi from "@pulumi/pulumi";

/** The greeter's arguments. */
export interface GreeterArgs {
  /** Whom to greet. */
  name: pulumi.Input<string>;
  loud?: pulumi.Input<boolean>;
}

/** Greets someone. */
export class Greeter extends pulumi.ComponentResource {
  /** The greeting. */
  public readonly message: pulumi.Output<string>;

  constructor(name: string, args: GreeterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("greeter:index:Greeter", name, args, opts);
    this.message = pulumi.output(args.name).apply((n) => "hello " + n);
    this.registerOutputs({ message: this.message });
  }
}
`,
        },
      });
    });

    after(async () => {
      await project?.cleanup();
    });

    it("infers the component's schema after installing its dependencies", async () => {
      const pulumi = path.join(cliDir(), "pulumi");
      const result = await project.runCommand(pulumi, ["package", "get-schema", "./greeter"]);
      assert.equal(result.code, 0, result.text);
      const schema = JSON.parse(result.stdout) as {
        name: string;
        resources: Record<
          string,
          {
            isComponent?: boolean;
            inputProperties: Record<string, { type?: string; description?: string }>;
            requiredInputs?: string[];
            properties: Record<string, { type?: string }>;
          }
        >;
      };
      assert.equal(schema.name, "greeter");
      const greeter = schema.resources["greeter:index:Greeter"];
      assert.ok(greeter, `no greeter:index:Greeter in ${Object.keys(schema.resources).join(", ")}`);
      assert.equal(greeter.isComponent, true);
      assert.equal(greeter.inputProperties.name.type, "string");
      assert.equal(greeter.inputProperties.loud.type, "boolean");
      assert.deepEqual(greeter.requiredInputs, ["name"]);
      assert.equal(greeter.properties.message.type, "string");
    });
  });

  describe("pulumi install", () => {
    let project: CliProject;

    before(async () => {
      project = await CliProject.create({
        skipInstall: true,
        files: {
          "Pulumi.yaml": "name: host-install\nruntime: nodejs\n",
          "package.json": manifest("host-install", { main: "index.js" }),
          "index.js": `"use strict";\nmodule.exports = { installed: true };\n`,
        },
      });
    });

    after(async () => {
      await project?.cleanup();
    });

    it("installs the program's dependencies with npm, then up runs", async () => {
      const pulumi = path.join(cliDir(), "pulumi");
      const install = await project.runCommand(pulumi, ["install"]);
      assert.equal(install.code, 0, install.text);
      assert.match(install.text, /Installing dependencies\.\.\./);
      assert.match(install.text, /Finished installing dependencies/);
      await fs.access(path.join(project.dir, "node_modules", "@pulumi", "pulumi", "package.json"));
      await project.mustRun(["up", "--yes"]);
      assert.equal((await project.outputs()).installed, true);
    });
  });
});
