// gojinn dev's session databases and object stores (src/dev/live-*.ts):
// what one run writes, the next reads, through real AssemblyScript guests
// run by invoke as the dev server runs them.
import { beforeAll, expect, test } from "vitest";
import { LiveDatabases } from "../dist/dev/live-databases.js";
import { LiveObjects } from "../dist/dev/live-objects.js";
import { invoke } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";

let sqlWasm = "";
let objectsWasm = "";
beforeAll(async () => {
  [sqlWasm, objectsWasm] = await Promise.all([buildFixture("sql-handler"), buildFixture("objects-handler")]);
});

test("a row one run inserts is there for the next; a run that only reads changes nothing", async () => {
  const live = new LiveDatabases({ main: "CREATE TABLE notes(text TEXT)" });
  const run = async (uri: string, body: string) => {
    const before = live.snapshot();
    const res = await invoke(sqlWasm, { method: "POST", uri, body }, { databases: before, grants: { sql: ["main"] } });
    live.merge(before, res.databases);
    return JSON.parse(res.body) as { ok: boolean; rows: string[][] };
  };
  expect((await run("/exec?p=t:first", "INSERT INTO notes VALUES (?)")).ok).toBe(true);
  expect((await run("/exec?p=t:second", "INSERT INTO notes VALUES (?)")).ok).toBe(true);
  const image = live.snapshot()["main"];
  expect((await run("/query", "SELECT text FROM notes")).rows).toEqual([["text:first"], ["text:second"]]);
  expect(live.snapshot()["main"]).toBe(image);
});

test("objects put and deleted by one run are there, or gone, for the next", async () => {
  const live = new LiveObjects({ media: { keep: "kept", gone: "soon" } });
  const run = async (method: string, uri: string, body = "") => {
    const before = live.snapshot();
    const res = await invoke(objectsWasm, { method, uri, body }, { objects: before, grants: { objects: ["media"] } });
    live.merge(before, res.objects);
    return JSON.parse(res.body) as { ok: boolean; keys: string[] };
  };
  expect((await run("POST", "/put?key=new&type=text/csv", "a,b")).ok).toBe(true);
  expect((await run("POST", "/delete?key=gone")).ok).toBe(true);
  expect((await run("GET", "/list")).keys).toEqual(["keep", "new"]);
  expect(live.snapshot()["media"]!["new"]).toMatchObject({ contentType: "text/csv" });
});
