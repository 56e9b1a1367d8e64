import { currentRun } from "./programRun";

/** Per program run: "kind\0workspace\0name" of each declared record → the Pulumi name that declared it. */
const claimsByRun = new WeakMap<object, Map<string, string>>();

/** What a claim is about: the resource type, what it manages, and the field unique per workspace. */
interface ClaimKind {
  type: "AiLlmConfig" | "ProviderApiKey";
  record: string;
  uniqueField: string;
}

const CONFIGURATION: ClaimKind = { type: "AiLlmConfig", record: "configuration", uniqueField: "Names" };
const STORED_KEY: ClaimKind = { type: "ProviderApiKey", record: "stored key", uniqueField: "Descriptions" };

/**
 * Records that the resource `resourceName` manages the configuration `name` in
 * `workspaceId`. Returns a message naming both resources when another resource of
 * this program already does (the provider's check reports it), else undefined.
 *
 * Why: names are unique per workspace, so two declarations of one name are two
 * claims on one configuration. With `adoptExisting` both would get its id, and
 * removing either from the program would delete the configuration the other still
 * declares; without it, the second create fails with advice to adopt, which would
 * make that worse. So it is refused here, before anything is created.
 */
export function claimConfiguration(
  resourceName: string,
  workspaceId: string,
  name: string,
): string | undefined {
  return claim(CONFIGURATION, resourceName, workspaceId, name);
}

/**
 * The same for a stored provider key, whose description is unique per workspace: two
 * `ProviderApiKey`s of one description would manage one key.
 */
export function claimStoredKey(
  resourceName: string,
  workspaceId: string,
  description: string,
): string | undefined {
  return claim(STORED_KEY, resourceName, workspaceId, description);
}

function claim(kind: ClaimKind, resourceName: string, workspaceId: string, name: string): string | undefined {
  const run = currentRun();
  let claims = claimsByRun.get(run);
  if (!claims) {
    claims = new Map();
    claimsByRun.set(run, claims);
  }
  const key = `${kind.type}\u0000${workspaceId}\u0000${name}`;
  const holder = claims.get(key);
  if (holder !== undefined && holder !== resourceName) {
    return (
      `${kind.type} "${resourceName}" and ${kind.type} "${holder}" both declare the ${kind.record} "${name}" ` +
      `in workspace "${workspaceId}". ${kind.uniqueField} are unique in a workspace, so they would manage one ` +
      `${kind.record}, and removing either resource would delete it for the other: give one of them ` +
      `another ${kind.uniqueField === "Names" ? "name" : "description"}, or remove one.`
    );
  }
  claims.set(key, resourceName);
  return undefined;
}
