import * as path from "node:path";
import type { dynamic } from "@pulumi/pulumi";
import { apiKeyProviderShim, providerShim } from "./providerShim";

const PACKAGE_NAME = "pulumi-flashback";

/** The dynamic providers of the package: the module each is published as, and its shim. */
const PROVIDERS = {
  aiLlmConfig: { module: "pulumi-flashback/provider", shim: providerShim },
  providerApiKey: { module: "pulumi-flashback/provider/apiKey", shim: apiKeyProviderShim },
} as const;

/** Which of the package's resources a provider serves. */
export type ProviderKind = keyof typeof PROVIDERS;

const chosen = new Map<ProviderKind, dynamic.ResourceProvider>();

/**
 * The provider object to hand to `pulumi.dynamic.Resource`, chosen once per program.
 *
 * Installed from npm (`node_modules/pulumi-flashback`), the provider module itself is
 * passed: Pulumi's closure serializer records a module found under node_modules as a
 * bare `require("pulumi-flashback/...")`, about 280 bytes in every resource's state
 * instead of about 2 KB. That recognition rests on the module's path, so anywhere else
 * (a checkout, `npm link`, pnpm's `.pnpm` store) the serializer would try to copy the
 * module's code and fail; there the 7-method shim is used, which works everywhere. Both
 * load the installed provider when the engine runs them.
 * @param kind - The resource the provider serves; default the AI LLM configuration.
 */
export function serializableProvider(kind: ProviderKind = "aiLlmConfig"): dynamic.ResourceProvider {
  let provider = chosen.get(kind);
  if (!provider) {
    const { module, shim } = PROVIDERS[kind];
    provider = installedUnderNodeModules(module) ? (require(module) as dynamic.ResourceProvider) : shim;
    chosen.set(kind, provider);
  }
  return provider;
}

/** True when the serializer will see the module as `node_modules/pulumi-flashback/...`. */
function installedUnderNodeModules(module: string): boolean {
  let resolved: string;
  try {
    resolved = require.resolve(module);
  } catch {
    return false;
  }
  // The same test the serializer makes: the first node_modules segment of the path
  // relative to the working directory must be followed by the package's own name.
  const parts = path.relative(process.cwd(), resolved).split(path.sep);
  const index = parts.indexOf("node_modules");
  return index >= 0 && parts[index + 1] === PACKAGE_NAME;
}
