import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderRunbookFiles, writeRunbooks } from "../../runbooks/runbooks";
import { run, tmpDir } from "../cli/helpers";
import { loadFixture } from "./helpers";

describe("writeRunbooks", () => {
  it("writes <name>.md for every runbook plus index.md and returns the paths", () => {
    const dir = join(tmpDir("skyline-runbooks-"), "runbooks");
    const manifest = loadFixture("production");
    const paths = writeRunbooks(dir, manifest);
    const files = renderRunbookFiles(manifest);
    expect(paths).toEqual(files.map((f) => join(dir, f.fileName)));
    expect(paths[paths.length - 1]).toBe(join(dir, "index.md"));
    for (const file of files) expect(readFileSync(join(dir, file.fileName), "utf8")).toBe(file.markdown);
  });

  it("removes Markdown files of runbooks it no longer generates, and leaves other files", () => {
    const dir = tmpDir("skyline-runbooks-");
    writeFileSync(join(dir, "retired-runbook.md"), "# old\n");
    writeFileSync(join(dir, "notes.txt"), "keep\n");
    writeRunbooks(dir, loadFixture("staging"));
    expect(existsSync(join(dir, "retired-runbook.md"))).toBe(false);
    expect(existsSync(join(dir, "notes.txt"))).toBe(true);
  });

  it("is what `skyline runbook list` and `runbook show` read next to the manifest", async () => {
    const cwd = tmpDir();
    const envDir = join(cwd, "cdktf.out", "skyline", "production");
    mkdirSync(envDir, { recursive: true });
    const manifest = loadFixture("production");
    writeFileSync(join(envDir, "manifest.json"), JSON.stringify(manifest));
    writeRunbooks(join(envDir, "runbooks"), manifest);

    const list = await run(["--env", "production", "--output", "json", "runbook", "list"], { cwd });
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.out) as { runbooks: { name: string; title: string }[] };
    const expected = renderRunbookFiles(manifest)
      .map(({ name, title }) => ({ name, title }))
      .sort((a, b) => a.name.localeCompare(b.name));
    expect(listed.runbooks).toEqual(expected);

    const show = await run(["--env", "production", "runbook", "show", "database-failover"], { cwd });
    expect(show.code).toBe(0);
    expect(show.out).toBe(readFileSync(join(envDir, "runbooks", "database-failover.md"), "utf8"));
  });
});
