import { cpSync, mkdirSync, mkdtempSync, symlinkSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type * as PulumiFlashback from "pulumi-flashback";

const REPO_ROOT = path.resolve(__dirname, "..");

let installedDir: string | undefined;

/**
 * The package installed the way `npm install pulumi-flashback` installs it: a real
 * folder `node_modules/pulumi-flashback` holding package.json and the built dist/,
 * beside its dependencies. Built once per process from the current dist/ (run
 * `npm run build` first; `npm test` does). A checkout resolves the package through
 * a link to itself instead, which Pulumi's serializer treats differently, so tests
 * of what users get must use this copy.
 */
export function installedPackageDir(): string {
  if (installedDir) return installedDir;
  const root = mkdtempSync(path.join(os.tmpdir(), "flashback-installed-"));
  const modules = path.join(root, "node_modules");
  const dir = path.join(modules, "pulumi-flashback");
  mkdirSync(path.join(modules, "@pulumi"), { recursive: true });
  mkdirSync(dir);
  cpSync(path.join(REPO_ROOT, "package.json"), path.join(dir, "package.json"));
  cpSync(path.join(REPO_ROOT, "dist"), path.join(dir, "dist"), { recursive: true });
  for (const dependency of ["undici", "zod", path.join("@pulumi", "pulumi")]) {
    symlinkSync(path.join(REPO_ROOT, "node_modules", dependency), path.join(modules, dependency), "dir");
  }
  installedDir = dir;
  return dir;
}

/** The installed package's exports, for programs that stand for a user's. */
export function installedPackage(): typeof PulumiFlashback {
  return require(installedPackageDir());
}
