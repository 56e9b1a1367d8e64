import type { dynamic } from "@pulumi/pulumi";

/*
 * This object is what Pulumi serializes into the state file as `__provider`.
 * It captures nothing: every method requires the installed provider module by
 * the package's name at call time. So its text is small, holds no secret and no
 * machine path, and upgrading the package changes the code that runs without
 * changing the text (which would otherwise read as a change to every resource).
 * The dynamic-provider host loads it from the program's working directory, where
 * the package is installed. Do not reference anything from these functions: whatever they use is serialized too.
 */

/** The serializable provider handed to `pulumi.dynamic.Resource`; see the comment above. */
export const providerShim: dynamic.ResourceProvider = {
  configure: (...a) => require("pulumi-flashback/provider").configure(...a),
  check: (...a) => require("pulumi-flashback/provider").check(...a),
  diff: (...a) => require("pulumi-flashback/provider").diff(...a),
  create: (...a) => require("pulumi-flashback/provider").create(...a),
  read: (...a) => require("pulumi-flashback/provider").read(...a),
  update: (...a) => require("pulumi-flashback/provider").update(...a),
  delete: (...a) => require("pulumi-flashback/provider").delete(...a),
};

/** The same for `ProviderApiKey`: every method requires the installed stored-key provider. */
export const apiKeyProviderShim: dynamic.ResourceProvider = {
  configure: (...a) => require("pulumi-flashback/provider/apiKey").configure(...a),
  check: (...a) => require("pulumi-flashback/provider/apiKey").check(...a),
  diff: (...a) => require("pulumi-flashback/provider/apiKey").diff(...a),
  create: (...a) => require("pulumi-flashback/provider/apiKey").create(...a),
  read: (...a) => require("pulumi-flashback/provider/apiKey").read(...a),
  update: (...a) => require("pulumi-flashback/provider/apiKey").update(...a),
  delete: (...a) => require("pulumi-flashback/provider/apiKey").delete(...a),
};
