import { currentRun } from "./programRun";

/** Per program run: "workspace\0name" of each declared configuration → the Pulumi name that declared it. */
const claimsByRun = new WeakMap<object, Map<string, string>>();

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
  const run = currentRun();
  let claims = claimsByRun.get(run);
  if (!claims) {
    claims = new Map();
    claimsByRun.set(run, claims);
  }
  const key = `${workspaceId}\u0000${name}`;
  const holder = claims.get(key);
  if (holder !== undefined && holder !== resourceName) {
    return (
      `AiLlmConfig "${resourceName}" and AiLlmConfig "${holder}" both declare the configuration "${name}" ` +
      `in workspace "${workspaceId}". Names are unique in a workspace, so they would manage one ` +
      "configuration, and removing either resource would delete it for the other: give one of them " +
      "another name, or remove one."
    );
  }
  claims.set(key, resourceName);
  return undefined;
}
