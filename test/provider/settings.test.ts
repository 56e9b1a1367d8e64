import assert from "node:assert/strict";
import { credentialsFromConfig, environmentFallback, resolveSettings } from "../../src/provider/settings";

const config = (values: Record<string, string>) => (key: string) => values[key];

describe("provider settings", () => {
  it("takes stack configuration before the environment", () => {
    const settings = resolveSettings(
      config({ "flashback:apiUrl": "https://config.example.com", "flashback:token": "t-config" }),
      { FLASHBACK_API_URL: "https://env.example.com", FLASHBACK_TOKEN: "t-env" },
    );
    assert.equal(settings.apiUrl, "https://config.example.com");
    assert.equal(settings.token, "t-config");
  });

  it("falls back to the environment, refresh token and timeout included", () => {
    const settings = resolveSettings(config({}), {
      FLASHBACK_API_URL: "https://env.example.com",
      FLASHBACK_REFRESH_TOKEN: "r-env",
      FLASHBACK_REQUEST_TIMEOUT_MS: "2500",
    });
    assert.deepEqual(settings, {
      apiUrl: "https://env.example.com",
      token: undefined,
      refreshToken: "r-env",
      requestTimeoutMs: 2500,
    });
  });

  it("refuses a request timeout that is not a positive whole number, naming both settings", () => {
    for (const value of ["0", "-5", "1.5", "soon"]) {
      assert.throws(
        () =>
          resolveSettings(
            config({
              "flashback:apiUrl": "https://x",
              "flashback:token": "t",
              "flashback:requestTimeoutMs": value,
            }),
            {},
          ),
        /flashback:requestTimeoutMs \(FLASHBACK_REQUEST_TIMEOUT_MS\) must be a whole number/,
        value,
      );
    }
  });

  it("never quotes a credential in its error", () => {
    assert.throws(
      () => resolveSettings(config({ "flashback:token": "t-secret-value" }), {}),
      (error: Error) => !error.message.includes("t-secret-value") && /flashback:apiUrl/.test(error.message),
    );
  });
});

describe("provider settings: the environment as a fallback credential", () => {
  const configured = config({
    "flashback:apiUrl": "https://config.example.com",
    "flashback:token": "t-config",
  });

  it("offers the environment's token when config supplied a different one, with the configured URL", () => {
    const primary = resolveSettings(configured, { FLASHBACK_TOKEN: "t-env" });
    assert.deepEqual(environmentFallback(primary, configured, { FLASHBACK_TOKEN: "t-env" }), {
      apiUrl: "https://config.example.com",
      token: "t-env",
      refreshToken: undefined,
      requestTimeoutMs: undefined,
    });
  });

  it("takes the environment's set whole: its own URL and refresh token", () => {
    const env = { FLASHBACK_API_URL: "https://env.example.com", FLASHBACK_REFRESH_TOKEN: "r-env" };
    const fallback = environmentFallback(resolveSettings(configured, env), configured, env);
    assert.equal(fallback?.apiUrl, "https://env.example.com");
    assert.equal(fallback?.refreshToken, "r-env");
    assert.equal(fallback?.token, undefined);
  });

  it("offers nothing when the environment has no credential, the same one, or is already the source", () => {
    assert.equal(environmentFallback(resolveSettings(configured, {}), configured, {}), undefined);
    const same = { FLASHBACK_TOKEN: "t-config" };
    assert.equal(environmentFallback(resolveSettings(configured, same), configured, same), undefined);
    const envOnly = config({ "flashback:apiUrl": "https://config.example.com" });
    const env = { FLASHBACK_TOKEN: "t-env" };
    assert.equal(environmentFallback(resolveSettings(envOnly, env), envOnly, env), undefined);
    assert.equal(credentialsFromConfig(envOnly), false);
    assert.equal(credentialsFromConfig(configured), true);
  });
});

describe("provider settings: an explicit FlashbackProvider", () => {
  const explicit = (values: Record<string, string>) =>
    config({ "flashback:providerName": "partner", ...values });

  it("uses the provider's arguments and never the environment", () => {
    const settings = resolveSettings(
      explicit({ "flashback:apiUrl": "https://b.example.com", "flashback:token": "t-b" }),
      {
        FLASHBACK_API_URL: "https://env.example.com",
        FLASHBACK_TOKEN: "t-env",
      },
    );
    assert.deepEqual(settings, {
      apiUrl: "https://b.example.com",
      token: "t-b",
      refreshToken: undefined,
      requestTimeoutMs: undefined,
    });
    const lookup = explicit({ "flashback:apiUrl": "https://b.example.com", "flashback:token": "t-b" });
    assert.equal(environmentFallback(settings, lookup, { FLASHBACK_TOKEN: "t-env" }), undefined);
  });

  it("names the provider and its arguments when one is missing, even with the environment set", () => {
    assert.throws(
      () =>
        resolveSettings(explicit({}), {
          FLASHBACK_API_URL: "https://env.example.com",
          FLASHBACK_TOKEN: "t-env",
        }),
      (e: Error) => {
        assert.match(e.message, /^FlashbackProvider "partner": /);
        assert.match(e.message, /apiUrl is not set/);
        assert.match(e.message, /no credential is set: pass token \(an access token\) or refreshToken/);
        assert.doesNotMatch(e.message, /pulumi config set|FLASHBACK_/);
        return true;
      },
    );
  });
});
