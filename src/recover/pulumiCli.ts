import { spawn } from "node:child_process";

/** How a pulumi command's output is handled. */
export type OutputMode =
  /** Printed as it comes (the user sees pulumi's own progress) and also kept. */
  | "stream"
  /** Kept only: the output may hold state or configuration that must not be shown. */
  | "capture";

/** The outcome of one pulumi command. */
export interface PulumiResult {
  /** Exit code; null when the process was ended by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Raised when the `pulumi` executable cannot be started at all. */
export class PulumiNotFoundError extends Error {
  override readonly name = "PulumiNotFoundError";
}

/**
 * Runs the user's `pulumi` CLI (the one on PATH) in the project folder, always with
 * `--non-interactive` and, when a stack was named, `--stack`.
 */
export class PulumiCli {
  /**
   * @param cwd - the Pulumi project folder
   * @param stack - the stack to operate on; undefined for the selected stack
   * @param out - where streamed stdout goes (default process.stdout)
   * @param err - where streamed stderr goes (default process.stderr)
   */
  constructor(
    readonly cwd: string,
    readonly stack: string | undefined,
    private readonly out: NodeJS.WritableStream = process.stdout,
    private readonly err: NodeJS.WritableStream = process.stderr,
  ) {}

  /**
   * Runs `pulumi <args> --non-interactive [--stack S]`; resolves whatever the exit code.
   * @param stdin - text written to the command's standard input (e.g. a deployment for `stack import`)
   */
  run(args: readonly string[], mode: OutputMode, stdin?: string): Promise<PulumiResult> {
    const fullArgs = [
      ...args,
      "--non-interactive",
      ...(this.stack === undefined ? [] : ["--stack", this.stack]),
    ];
    return new Promise((resolve, reject) => {
      const child = spawn("pulumi", fullArgs, {
        cwd: this.cwd,
        env: process.env,
        stdio: ["pipe", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8");
      child.stderr.setEncoding("utf8");
      child.stdout.on("data", (chunk: string) => {
        stdout += chunk;
        if (mode === "stream") this.out.write(chunk);
      });
      child.stderr.on("data", (chunk: string) => {
        stderr += chunk;
        if (mode === "stream") this.err.write(chunk);
      });
      child.on("error", (error: NodeJS.ErrnoException) => {
        reject(
          error.code === "ENOENT"
            ? new PulumiNotFoundError(
                "the pulumi CLI was not found on PATH; install it (https://www.pulumi.com/docs/iac/download-install/) " +
                  "or add its folder to PATH",
              )
            : error,
        );
      });
      child.on("close", (code) => resolve({ code, stdout, stderr }));
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin ?? "");
    });
  }
}
