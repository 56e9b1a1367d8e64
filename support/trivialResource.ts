import * as pulumi from "@pulumi/pulumi";

/*
 * A dynamic resource that makes no API call: the engine floor the benchmark
 * compares AiLlmConfig against, and a check that the engine harness works.
 * Its provider captures nothing, like the real shim.
 */
const trivialProvider: pulumi.dynamic.ResourceProvider = {
  create: async (inputs) => ({ id: `trivial-${inputs.index}`, outs: inputs }),
  diff: async (_id, olds, news) => ({ changes: olds.index !== news.index }),
  update: async (_id, _olds, news) => ({ outs: news }),
  read: async (id, props) => ({ id, props }),
  delete: async () => undefined,
};

/** A no-op dynamic resource. */
export class TrivialResource extends pulumi.dynamic.Resource {
  constructor(name: string, index: number, opts?: pulumi.CustomResourceOptions) {
    super(trivialProvider, name, { index }, opts, "flashback-test", "Trivial");
  }
}
