/**
 * The one stored-key provider of a provider process, as the module's whole export, so
 * that the serialized shim can call `require("pulumi-flashback/provider/apiKey").create(...)`.
 * The package's `exports` map publishes this module as `pulumi-flashback/provider/apiKey`.
 * @packageDocumentation
 */
import { withQuietFailures } from "../quietFailures";
import { ProviderApiKeyProvider } from "./provider";

const processProvider = withQuietFailures(new ProviderApiKeyProvider(), [
  "configure",
  "check",
  "diff",
  "create",
  "read",
  "update",
  "delete",
]);

export = processProvider;
