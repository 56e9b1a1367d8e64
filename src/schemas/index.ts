/**
 * zod schemas for every body the Flashback AI LLM and stored-key API sends or receives.
 * Types come from `z.infer`, so a schema and its type cannot drift apart.
 * @packageDocumentation
 */
export * from "./common";
export * from "./aiLlm";
export * from "./apiKey";
export * from "./auth";
