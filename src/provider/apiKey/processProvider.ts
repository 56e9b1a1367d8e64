/**
 * The one stored-key provider of a provider process, as the module's whole export, so
 * that the serialized shim can call `require("pulumi-flashback/provider/apiKey").create(...)`.
 * The package's `exports` map publishes this module as `pulumi-flashback/provider/apiKey`.
 * Like the configuration's, it loads the provider on the first call only.
 * @packageDocumentation
 */
import { lazyProcessProvider } from "../lazyProvider";

const processProvider = lazyProcessProvider(
  () => new (require("./provider") as typeof import("./provider")).ProviderApiKeyProvider(),
);

export = processProvider;
