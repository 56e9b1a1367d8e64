import * as path from "node:path";
import type { dynamic } from "@pulumi/pulumi";
import { providerShim } from "./providerShim";

const PACKAGE_NAME = "pulumi-flashback";

let chosen: dynamic.ResourceProvider | undefined;

/**
 * The provider object to hand to `pulumi.dynamic.Resource`, chosen once per program.
 *
 * Installed from npm (`node_modules/pulumi-flashback`), the provider module itself is
 * passed: Pulumi's closure serializer records a module found under node_modules as a
 * bare `require("pulumi-flashback/...")`, about 280 bytes in every resource's state
 * instead of about 2 KB. That recognition rests on the module's path, so anywhere else
 * (a checkout, `npm link`, pnpm's `.pnpm` store) the serializer would try to copy the
 * module's code and fail; there the 7-method {@link providerShim} is used, which works
 * everywhere. Both load the installed provider when the engine runs them.
 */
export function serializableProvider(): dynamic.ResourceProvider {
  if (!chosen) chosen = installedUnderNodeModules() ? require("pulumi-flashback/provider") : providerShim;
  return chosen as dynamic.ResourceProvider;
}

/** True when the serializer will see the provider module as `node_modules/pulumi-flashback/...`. */
function installedUnderNodeModules(): boolean {
  let resolved: string;
  try {
    resolved = require.resolve("pulumi-flashback/provider");
  } catch {
    return false;
  }
  // The same test the serializer makes: the first node_modules segment of the path
  // relative to the working directory must be followed by the package's own name.
  const parts = path.relative(process.cwd(), resolved).split(path.sep);
  const index = parts.indexOf("node_modules");
  return index >= 0 && parts[index + 1] === PACKAGE_NAME;
}
