/**
 * The package version, for the `user-agent` header.
 * @packageDocumentation
 */

/** Reads the version from package.json, two levels up from both src/client and dist/client. */
function readVersion(): string {
  try {
    const pkg = require("../../package.json") as { name?: unknown; version?: unknown };
    return pkg.name === "pulumi-flashback" && typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** Version of this package. */
export const VERSION: string = readVersion();

/** The `user-agent` every request carries, so the API side can tell our traffic apart. */
export const USER_AGENT = `pulumi-flashback/${VERSION}`;
