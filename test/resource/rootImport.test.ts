import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "node:path";
import { installedPackageDir } from "../../support/installedPackage";

/*
 * What `require("pulumi-flashback")` loads in a program, with the package installed as
 * npm installs it: the resources and lookups, never the client's dependencies or the
 * emulator, which the provider process (or a lookup's first call) loads instead.
 */

/** The files a fresh Node process adds to require.cache when it loads `target` after @pulumi/pulumi. */
function modulesAddedBy(target: string, cwd: string): string[] {
  const script = `
    require("@pulumi/pulumi");
    const before = new Set(Object.keys(require.cache));
    ${target};
    process.stdout.write(JSON.stringify(Object.keys(require.cache).filter((f) => !before.has(f))));
  `;
  return JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd, encoding: "utf8" })) as string[];
}

describe("the package root, as a program loads it", () => {
  const projectDir = path.dirname(path.dirname(installedPackageDir()));

  it("loads no undici, zod, client or emulator module, and few modules in all", () => {
    const added = modulesAddedBy('require("pulumi-flashback")', projectDir);
    const heavy = added.filter((file) =>
      /node_modules[\\/](undici|zod)[\\/]|[\\/]dist[\\/](client|emulator|schemas)[\\/]/.test(file),
    );
    assert.deepEqual(heavy, []);
    assert.ok(added.length <= 60, `${added.length} modules`);
  });

  it("declaring a resource loads only the small provider entry, not the provider itself", () => {
    const added = modulesAddedBy(
      'require("pulumi-flashback/provider"); require("pulumi-flashback/provider/apiKey")',
      projectDir,
    );
    assert.equal(added.length, 3, added.join("\n"));
  });

  it("the provider loads its client on the first call, in the provider process", () => {
    const added = modulesAddedBy(
      'require("pulumi-flashback/provider").check({}, {}).then(() => {})',
      projectDir,
    );
    for (const dependency of ["zod", "undici"]) {
      const loaded = added.some((file) => file.includes(`node_modules${path.sep}${dependency}${path.sep}`));
      assert.ok(loaded, `${dependency} is loaded by the first call`);
    }
  });

  it("the client and the emulator are their own entry points", () => {
    const added = modulesAddedBy(
      'const { FlashbackClient } = require("pulumi-flashback/client"); const { startEmulator } = require("pulumi-flashback/emulator"); if (typeof FlashbackClient !== "function" || typeof startEmulator !== "function") throw new Error("missing")',
      projectDir,
    );
    assert.ok(added.some((file) => /node_modules[\\/]undici[\\/]/.test(file)));
  });
});
