import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { installedPackageDir } from "../../support/installedPackage";

/*
 * Which provider object the resource hands to Pulumi: the provider module itself
 * when the package sits in node_modules (serialized as a bare require), the shim
 * anywhere else (here: the checkout, reached through its self-link).
 */
describe("serializable provider choice", () => {
  it("from a checkout, uses the shim", () => {
    const { serializableProvider } = require("pulumi-flashback/dist/resource/serializableProvider.js");
    const { providerShim } = require("pulumi-flashback/dist/resource/providerShim.js");
    const { apiKeyProviderShim } = require("pulumi-flashback/dist/resource/providerShim.js");
    assert.equal(serializableProvider(), providerShim);
    assert.equal(serializableProvider("providerApiKey"), apiKeyProviderShim);
  });

  it("installed under node_modules, passes the provider module, which serializes to a bare require", async () => {
    const dir = installedPackageDir();
    const { serializableProvider } = require(path.join(dir, "dist", "resource", "serializableProvider.js"));
    const providerModule = require(path.join(dir, "dist", "provider", "processProvider.js"));
    const chosen = serializableProvider();
    assert.equal(chosen, providerModule);
    const { text } = await pulumi.runtime.serializeFunction(() => chosen, { allowSecrets: true });
    assert.match(text, /require\("pulumi-flashback\/dist\/provider\/processProvider\.js"\)/);
    assert.ok(text.length < 512, `${text.length} bytes`);
  });

  it("chooses per resource: the stored-key provider module for ProviderApiKey", async () => {
    const dir = installedPackageDir();
    const { serializableProvider } = require(path.join(dir, "dist", "resource", "serializableProvider.js"));
    const keyModule = require(path.join(dir, "dist", "provider", "apiKey", "processProvider.js"));
    const chosen = serializableProvider("providerApiKey");
    assert.equal(chosen, keyModule);
    assert.notEqual(chosen, serializableProvider());
    const { text } = await pulumi.runtime.serializeFunction(() => chosen, { allowSecrets: true });
    assert.match(text, /require\("pulumi-flashback\/dist\/provider\/apiKey\/processProvider\.js"\)/);
  });
});
