/**
 * The one provider of a provider process, as the module's whole export, so that
 * the serialized shim can call `require("pulumi-flashback/provider").create(...)`:
 * the shorter that text, the smaller every resource's `__provider` in state.
 * The package's `exports` map publishes this module as `pulumi-flashback/provider`.
 * @packageDocumentation
 */
import { AiLlmConfigProvider } from "./provider";
import { withQuietFailures } from "./quietFailures";

const processProvider = withQuietFailures(new AiLlmConfigProvider(), [
  "configure",
  "check",
  "diff",
  "create",
  "read",
  "update",
  "delete",
]);

export = processProvider;
