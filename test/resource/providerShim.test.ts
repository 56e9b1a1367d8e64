import assert from "node:assert/strict";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import requireFromString = require("require-from-string");

/*
 * The shim as users get it: the compiled module, resolved by the package name,
 * serialized the way pulumi.dynamic.Resource serializes it into state.
 */
const { providerShim, apiKeyProviderShim } = require("pulumi-flashback/dist/resource/providerShim.js");

/** Each shim, the module it must require, and a check call whose failures prove it reached that provider. */
const SHIMS = [
  {
    resource: "AiLlmConfig",
    shim: providerShim,
    requires: /require\("pulumi-flashback\/provider"\)/g,
    badInputs: { name: "", aiType: "OPENAI", endpoint: "ftp://x", secret: "s", workspaceId: "w" },
    failing: ["name", "endpoint"],
  },
  {
    resource: "ProviderApiKey",
    shim: apiKeyProviderShim,
    requires: /require\("pulumi-flashback\/provider\/apiKey"\)/g,
    badInputs: { provider: "OPENAI", key: "k", secret: "s", workspaceId: "w", description: "", region: 1 },
    failing: ["description", "region"],
  },
];

for (const { resource, shim, requires: requirePattern, badInputs, failing } of SHIMS)
  describe(`provider shim of ${resource} (the __provider value in state)`, () => {
    async function serializedShim(): Promise<string> {
      const sf = await pulumi.runtime.serializeFunction(() => shim, { allowSecrets: true });
      return sf.text;
    }

    it("serializes to under 2 KB", async () => {
      const text = await serializedShim();
      assert.ok(text.length < 2048, `serialized provider is ${text.length} bytes`);
    });

    it("holds no machine path, so state stays valid on another machine or checkout", async () => {
      const text = await serializedShim();
      for (const fragment of [
        process.cwd(),
        path.resolve(__dirname, "..", ".."),
        "/root",
        "/home/",
        "/tmp/",
      ]) {
        assert.ok(!text.includes(fragment), `serialized provider contains ${fragment}`);
      }
    });

    it("captures no module: every method requires the provider by the package's name", async () => {
      const text = await serializedShim();
      const requires = text.match(requirePattern) ?? [];
      assert.equal(requires.length, 7, "one require per provider method");
      assert.ok(!/zod|undici/.test(text), "no captured zod or undici");
    });

    it("is the same text whatever the stack configuration, so it can hold no credential", async () => {
      const before = await serializedShim();
      process.env.FLASHBACK_TOKEN = "token-that-must-not-be-captured";
      try {
        assert.equal(await serializedShim(), before);
        assert.ok(!before.includes("token-that-must-not-be-captured"));
      } finally {
        delete process.env.FLASHBACK_TOKEN;
      }
    });

    it("loads the way the dynamic-provider host loads it and delegates to the installed provider", async () => {
      const text = await serializedShim();
      const loaded = requireFromString(text).handler();
      const result = (await loaded.check({}, badInputs)) as { failures: { property: string }[] };
      assert.deepEqual(
        result.failures.map((f) => f.property),
        failing,
      );
    });
  });
