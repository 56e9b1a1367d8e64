import assert from "node:assert/strict";
import fc from "fast-check";
import { checkInputs } from "../../src/provider/check";
import { AiLlmConfigProvider } from "../../src/provider/provider";
import type { AiLlmConfigInputs } from "../../src/provider/inputs";

/*
 * Property-based tests of the provider's `check`: whatever the engine hands it
 * (arbitrary values, partial records, the preview's unknown sentinel, secrets in
 * the wrong field), it never throws, it names only declared inputs, it explains
 * each failure starting with the field's name, it accepts every valid record and
 * it never quotes a secret or key back.
 *
 * The oracles below are written from the documented rules (design.md, the API
 * sheet), not from src/provider/check.ts, so that a change of the rules shows.
 */

/** The engine's placeholder for a value not known yet (`rpc.unknownValue`). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Every declared input of AiLlmConfig. */
const DECLARED = [
  "name",
  "aiType",
  "endpoint",
  "secret",
  "key",
  "workspaceId",
  "validate",
  "adoptExisting",
] as const;
type Field = (typeof DECLARED)[number];
const REQUIRED: ReadonlySet<Field> = new Set(["name", "aiType", "endpoint", "secret", "workspaceId"]);
const AI_TYPES = ["OPENAI", "GOOGLE", "ANTHROPIC", "AWS", "OTHER"];
const MODES = ["off", "warn", "require"];

const SEED = 20_240_611;
const RUNS = 400;

/** Anything a JavaScript value can be, including exotic objects. */
const anyValue = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  stringUnit: "grapheme",
});

/** An independent reading of "an absolute http:// or https:// URL". */
function isAbsoluteHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
}

const nonBlank = fc.string({ minLength: 1, maxLength: 40, unit: "grapheme" }).filter((s) => s.trim() !== "");
const blank = fc.constantFrom("", " ", "   ", "\t", "\n", " \t\r\n ");
const nonString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
  fc.bigInt(),
);
/** A non-string that is not null either (null counts as "not set" for optional fields). */
const nonStringNonNull = nonString.filter((v) => v !== null);

/** Valid values, field by field. */
const VALID: Record<Field, fc.Arbitrary<unknown>> = {
  name: nonBlank,
  aiType: fc.constantFrom(...AI_TYPES),
  endpoint: fc.oneof(
    fc.webUrl({ validSchemes: ["http", "https"], withQueryParameters: true }),
    fc.constantFrom("https://api.openai.com/v1", "http://127.0.0.1:8080", "https://[::1]:8443/x"),
  ),
  secret: nonBlank,
  key: fc.oneof(fc.string({ maxLength: 40 }), fc.constant(null)),
  workspaceId: nonBlank,
  validate: fc.oneof(fc.constantFrom(...MODES), fc.constant(null)),
  adoptExisting: fc.oneof(fc.boolean(), fc.constant(null)),
};

/** Wrong values, field by field (each must be refused). */
const INVALID: Record<Field, fc.Arbitrary<unknown>> = {
  name: fc.oneof(blank, nonString),
  aiType: fc.oneof(
    fc.constantFrom("openai", "OpenAI", "Google", "GPT", "", " OPENAI", "OPENAI "),
    fc.string({ maxLength: 12 }).filter((s) => !AI_TYPES.includes(s)),
    nonString,
  ),
  endpoint: fc.oneof(
    fc.constantFrom(
      "",
      "api.openai.com/v1",
      "/relative/path",
      "ftp://host/x",
      "file:///etc/passwd",
      "javascript:alert(1)",
      "https://",
      "mailto:someone@example.com",
      "not a url",
    ),
    fc.string({ maxLength: 30 }).filter((s) => !isAbsoluteHttpUrl(s)),
    nonString,
  ),
  secret: fc.oneof(blank, nonString),
  key: nonStringNonNull,
  workspaceId: fc.oneof(blank, nonString),
  validate: fc.oneof(
    fc.constantFrom("OFF", "Warn", "always", "true", ""),
    fc.string({ maxLength: 10 }).filter((s) => !MODES.includes(s)),
    nonStringNonNull,
  ),
  adoptExisting: fc.oneof(
    fc.constantFrom("true", "false", 1, 0, "yes"),
    nonStringNonNull.filter((v) => typeof v !== "boolean"),
  ),
};

/** What a field of a generated record was given. */
type Choice = { kind: "valid" | "invalid" | "unknown"; value: unknown } | { kind: "missing" };

const choiceFor = (field: Field): fc.Arbitrary<Choice> =>
  fc.oneof(
    { weight: 4, arbitrary: VALID[field].map((value) => ({ kind: "valid" as const, value })) },
    { weight: 3, arbitrary: INVALID[field].map((value) => ({ kind: "invalid" as const, value })) },
    { weight: 1, arbitrary: fc.constant({ kind: "unknown" as const, value: UNKNOWN }) },
    { weight: 1, arbitrary: fc.constant({ kind: "missing" as const }) },
  );

/** A record mixing valid, invalid, unknown and missing values, with the failures it must give. */
const mixedRecord = fc
  .record(Object.fromEntries(DECLARED.map((f) => [f, choiceFor(f)])) as Record<Field, fc.Arbitrary<Choice>>)
  .map((choices) => {
    const news: Record<string, unknown> = {};
    const expected: Field[] = [];
    for (const field of DECLARED) {
      const choice = choices[field];
      if (choice.kind !== "missing") news[field] = choice.value;
      if (choice.kind === "invalid" || (choice.kind === "missing" && REQUIRED.has(field)))
        expected.push(field);
    }
    return { news, expected };
  });

/** A valid record: every required field valid or unknown, optional ones valid, unknown or absent. */
const validRecord = fc
  .record(
    Object.fromEntries(
      DECLARED.map((f) => [
        f,
        REQUIRED.has(f)
          ? fc.oneof({ weight: 5, arbitrary: VALID[f] }, { weight: 1, arbitrary: fc.constant(UNKNOWN) })
          : fc.option(fc.oneof(VALID[f], fc.constant(UNKNOWN)), { nil: undefined }),
      ]),
    ) as Record<Field, fc.Arbitrary<unknown>>,
  )
  .chain((record) =>
    // The engine also passes `__provider` and outputs of earlier steps; they are not checked.
    fc
      .dictionary(
        fc
          .string({ minLength: 1, maxLength: 12 })
          .filter((k) => !(DECLARED as readonly string[]).includes(k)),
        anyValue,
        { maxKeys: 3 },
      )
      .map((extra) => {
        const news: Record<string, unknown> = { __provider: "exports.handler = ...", ...extra };
        for (const [k, v] of Object.entries(record)) if (v !== undefined) news[k] = v;
        return news;
      }),
  );

/** Every reason check can give, learned from inputs that hold no secret; a secret must not hide in them. */
const ALL_REASONS = checkInputs({
  name: 1,
  aiType: 1,
  endpoint: 1,
  secret: 1,
  key: 1,
  workspaceId: 1,
  validate: 1,
  adoptExisting: 1,
})
  .map((f) => f.reason)
  .join("\n");

/** A credential value: a random string of 8 or more characters that no reason text contains by chance. */
const credential = fc
  .string({ minLength: 8, maxLength: 48, unit: "grapheme" })
  .filter((s) => s.trim() !== "" && !ALL_REASONS.includes(s) && s !== UNKNOWN);

function assertWellFormed(
  failures: unknown,
  label: string,
): asserts failures is { property: string; reason: string }[] {
  assert.ok(Array.isArray(failures), `${label}: failures is an array`);
  const seen = new Set<string>();
  for (const failure of failures as { property: unknown; reason: unknown }[]) {
    assert.equal(typeof failure.property, "string", `${label}: property is a string`);
    assert.equal(typeof failure.reason, "string", `${label}: reason is a string`);
    const property = failure.property as string;
    assert.ok(
      (DECLARED as readonly string[]).includes(property),
      `${label}: ${property} is a declared input`,
    );
    assert.ok(
      (failure.reason as string).startsWith(`${property} `),
      `${label}: the reason starts with the field name: ${String(failure.reason)}`,
    );
    assert.ok(!seen.has(property), `${label}: one failure per field (${property} twice)`);
    seen.add(property);
  }
}

/** Both entry points: the function and the provider method the engine calls. */
async function bothChecks(news: unknown): Promise<{ direct: unknown; viaProvider: unknown }> {
  const direct = checkInputs(news);
  const result = await new AiLlmConfigProvider().check({} as AiLlmConfigInputs, news as AiLlmConfigInputs);
  assert.equal(result.inputs, news, "check hands the inputs back unchanged");
  return { direct, viaProvider: result.failures ?? [] };
}

describe("robustness: provider check under arbitrary input (fast-check)", () => {
  const params = { seed: SEED, numRuns: RUNS };

  it("never throws, whatever value it is given, and only names declared inputs", async () => {
    await fc.assert(
      fc.asyncProperty(anyValue, async (news) => {
        const { direct, viaProvider } = await bothChecks(news);
        assertWellFormed(direct, "checkInputs");
        assertWellFormed(viaProvider, "provider.check");
        assert.deepEqual(viaProvider, direct);
      }),
      params,
    );
  });

  it("never throws on dictionaries whose keys mix declared inputs and anything else", async () => {
    const key = fc.oneof(
      fc.constantFrom(...DECLARED, "__proto__", "constructor", "hasOwnProperty"),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(key, anyValue, { maxKeys: 12 }), async (news) => {
        const { direct, viaProvider } = await bothChecks(news);
        assertWellFormed(direct, "checkInputs");
        assertWellFormed(viaProvider, "provider.check");
        assert.deepEqual(viaProvider, direct);
      }),
      params,
    );
  });

  it("reports exactly the fields that are wrong or missing, never an unknown one", async () => {
    await fc.assert(
      fc.asyncProperty(mixedRecord, async ({ news, expected }) => {
        const { direct, viaProvider } = await bothChecks(news);
        assertWellFormed(direct, "checkInputs");
        assert.deepEqual(
          direct.map((f) => f.property).sort(),
          [...expected].sort(),
          `failures for ${JSON.stringify(news, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))}`,
        );
        assert.deepEqual(viaProvider, direct);
      }),
      params,
    );
  });

  it("gives no failure for a valid record (unknown values and extra properties included)", async () => {
    await fc.assert(
      fc.asyncProperty(validRecord, async (news) => {
        const { direct, viaProvider } = await bothChecks(news);
        assert.deepEqual(direct, [], `valid record refused: ${JSON.stringify(direct)}`);
        assert.deepEqual(viaProvider, []);
      }),
      params,
    );
  });

  it("never quotes a secret or key, wherever the user put them", async () => {
    const scenario = fc.record({
      secret: credential,
      key: credential,
      base: mixedRecord,
      // Fields that receive the secret or the key instead of their own value.
      secretIn: fc.subarray([...DECLARED]),
      keyIn: fc.subarray([...DECLARED]),
      // A credential inside a structured value is a wrong value too.
      wrapped: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(scenario, async ({ secret, key, base, secretIn, keyIn, wrapped }) => {
        const news: Record<string, unknown> = { ...base.news, secret, key };
        const wrap = (v: string): unknown => (wrapped ? { value: v, list: [v] } : v);
        for (const field of secretIn) news[field] = wrap(secret);
        for (const field of keyIn) news[field] = wrap(key);
        const { direct, viaProvider } = await bothChecks(news);
        assertWellFormed(direct, "checkInputs");
        for (const failure of [...direct, ...(viaProvider as typeof direct)]) {
          assert.ok(!failure.reason.includes(secret), `the secret is quoted in: ${failure.reason}`);
          assert.ok(!failure.reason.includes(key), `the key is quoted in: ${failure.reason}`);
        }
      }),
      params,
    );
  });

  it("lets the unknown sentinel through in every field, alone or mixed with bad values", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.subarray([...DECLARED], { minLength: 1 }),
        mixedRecord,
        async (unknownFields, base) => {
          const news: Record<string, unknown> = { ...base.news };
          for (const field of unknownFields) news[field] = UNKNOWN;
          const { direct } = await bothChecks(news);
          assertWellFormed(direct, "checkInputs");
          for (const failure of direct) {
            assert.ok(!unknownFields.includes(failure.property as Field), `${failure.property} was unknown`);
          }
        },
      ),
      params,
    );
  });
});
