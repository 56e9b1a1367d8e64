import assert from "node:assert/strict";
import { resolveSettings } from "../../src/provider/settings";

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
