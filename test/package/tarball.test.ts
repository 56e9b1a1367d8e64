import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { REPO_ROOT } from "../../support/engine";

/*
 * What `npm pack` puts in the tarball users install: the compiled package, the component
 * package other Pulumi languages load (with the TypeScript source Pulumi reads its schema
 * from), and no source maps, which would name src/ files the tarball does not ship.
 */
describe("the published tarball", function () {
  this.timeout(60_000);
  let files: string[];

  before(() => {
    const out = execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
      cwd: REPO_ROOT,
      encoding: "utf8",
    });
    files = (JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path);
  });

  it("ships no source maps and no sources outside the component package", () => {
    assert.deepEqual(
      files.filter((f) => f.endsWith(".map")),
      [],
    );
    assert.deepEqual(
      files.filter((f) => f.startsWith("src/") || f.startsWith("test/") || f.startsWith("support/")),
      [],
    );
  });

  it("ships the component package, compiled and with the source its schema is inferred from", () => {
    for (const file of [
      "component/PulumiPlugin.yaml",
      "component/package.json",
      "component/tsconfig.json",
      "component/index.ts",
      "component/index.js",
    ]) {
      assert.ok(files.includes(file), `${file} is missing from the tarball`);
    }
  });

  it("ships the entry points package.json names", () => {
    for (const file of [
      "dist/index.js",
      "dist/index.d.ts",
      "dist/client/index.js",
      "dist/emulator/index.js",
      "dist/emulator/cli.js",
      "dist/recover/cli.js",
      "dist/provider/processProvider.js",
      "dist/provider/apiKey/processProvider.js",
    ]) {
      assert.ok(files.includes(file), `${file} is missing from the tarball`);
    }
  });
});
