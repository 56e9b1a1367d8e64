import assert from "node:assert/strict";
import { skipPromiseStackTraces } from "../../src/resource/promiseStacks";

/*
 * The resources switch stack traces off while the SDK builds their property promises (the
 * traces only explain leaked promises, and formatting them was most of the program's cost
 * per resource). The switch must always be put back, and must stay off when a user is
 * debugging promise leaks.
 */
describe("stack traces while a resource is constructed", () => {
  const saved = process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  let limit: number;
  beforeEach(() => {
    limit = Error.stackTraceLimit;
    delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
  });
  afterEach(() => {
    Error.stackTraceLimit = limit;
    if (saved === undefined) delete process.env.PULUMI_DEBUG_PROMISE_LEAKS;
    else process.env.PULUMI_DEBUG_PROMISE_LEAKS = saved;
  });

  it("records no frames until restored, then the program's own limit again", () => {
    Error.stackTraceLimit = 17;
    const restore = skipPromiseStackTraces();
    assert.equal(new Error("inside").stack, "Error: inside");
    restore();
    assert.equal(Error.stackTraceLimit, 17);
    assert.match(new Error("after").stack ?? "", /\n\s+at /);
  });

  it("changes nothing while PULUMI_DEBUG_PROMISE_LEAKS is set", () => {
    process.env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    Error.stackTraceLimit = 12;
    const restore = skipPromiseStackTraces();
    assert.equal(Error.stackTraceLimit, 12);
    restore();
    assert.equal(Error.stackTraceLimit, 12);
  });
});
