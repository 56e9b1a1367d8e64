/**
 * The one provider of a provider process, as the module's whole export, so that
 * the serialized shim can call `require("pulumi-flashback/provider").create(...)`:
 * the shorter that text, the smaller every resource's `__provider` in state.
 * The package's `exports` map publishes this module as `pulumi-flashback/provider`.
 *
 * A program loads this module too (installed from npm, the resource hands it to the
 * serializer), so it loads nothing itself: the provider, the client and the schemas are
 * required on the first call, which only the provider process makes.
 * @packageDocumentation
 */
import { lazyProcessProvider } from "./lazyProvider";

const processProvider = lazyProcessProvider(
  () => new (require("./provider") as typeof import("./provider")).AiLlmConfigProvider(),
);

export = processProvider;
