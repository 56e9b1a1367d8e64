/**
 * Peak memory of the dynamic-provider process, sampled from /proc while an operation runs.
 * @packageDocumentation
 */
import { promises as fs } from "node:fs";

/** What the marker in a process's command line must contain to count as a dynamic-provider host. */
const PROVIDER_MARKER = "cmd/dynamic-provider";

/** Peak memory seen by a {@link ProviderMemorySampler}. */
export interface MemoryPeak {
  /** Largest VmHWM (kernel-tracked peak RSS) read from any matching process, in MB. */
  peakMB: number;
  /** Largest VmRSS seen while sampling, in MB (a lower bound of the peak). */
  maxSampledRssMB: number;
  /** How many distinct matching processes were seen. */
  processes: number;
  /** How many samples were taken. */
  samples: number;
}

/** Reads a `Vm...: 1234 kB` line of /proc/<pid>/status, in kB. */
function statusKb(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

/**
 * Samples the RSS of dynamic-provider processes (`node .../@pulumi/pulumi/cmd/dynamic-provider`)
 * every `intervalMs` between {@link ProviderMemorySampler.start} and
 * {@link ProviderMemorySampler.stop}. Only processes whose environment holds `envMarker`
 * (e.g. `PULUMI_HOME=<the stack's home>`) count, so that a provider of another stack
 * running on the same machine does not. Linux only: elsewhere it reports 0.
 */
export class ProviderMemorySampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling: Promise<void> = Promise.resolve();
  private readonly seen = new Set<number>();
  private peakKb = 0;
  private rssKb = 0;
  private samples = 0;

  /**
   * @param envMarker - a `NAME=value` string the process's environment must contain.
   * @param intervalMs - sampling period.
   */
  constructor(
    private readonly envMarker: string,
    private readonly intervalMs = 50,
  ) {}

  /** Starts sampling. */
  start(): void {
    if (this.timer) throw new Error("sampler already started");
    this.timer = setInterval(() => {
      this.sampling = this.sampling.then(() => this.sample());
    }, this.intervalMs);
  }

  /** Takes a last sample, stops, and returns the peak. */
  async stop(): Promise<MemoryPeak> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sampling;
    await this.sample();
    return {
      peakMB: Math.max(this.peakKb, this.rssKb) / 1024,
      maxSampledRssMB: this.rssKb / 1024,
      processes: this.seen.size,
      samples: this.samples,
    };
  }

  private async sample(): Promise<void> {
    this.samples++;
    let entries: string[];
    try {
      entries = await fs.readdir("/proc");
    } catch {
      return;
    }
    await Promise.all(
      entries
        .filter((name) => /^\d+$/.test(name))
        .map(async (name) => {
          const pid = Number(name);
          try {
            // Checked on every sample, not cached: a process forked by the plugin's shell
            // wrapper shows the shell's command line until it execs node.
            if (!this.seen.has(pid)) {
              const cmdline = await fs.readFile(`/proc/${pid}/cmdline`, "utf8");
              if (!cmdline.includes(PROVIDER_MARKER)) return;
              const environ = (await fs.readFile(`/proc/${pid}/environ`, "utf8")).split("\0");
              if (!environ.includes(this.envMarker)) return;
              this.seen.add(pid);
            }
            const status = await fs.readFile(`/proc/${pid}/status`, "utf8");
            this.peakKb = Math.max(this.peakKb, statusKb(status, "VmHWM"));
            this.rssKb = Math.max(this.rssKb, statusKb(status, "VmRSS"));
          } catch {
            // The process ended between listing and reading, or is not ours to read.
          }
        }),
    );
  }
}
