// contract/schema.json against the TypeScript side: the vectors, the requests
// the harness builds and the responses it accepts or rejects.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, test } from "vitest";
import { buildRequest, decodeResponse } from "../dist/testing/index.js";

const CONTRACT = fileURLToPath(new URL("../../contract/", import.meta.url));
const schema = JSON.parse(readFileSync(`${CONTRACT}schema.json`, "utf8"));
const ajv = new Ajv2020({ strict: false });
ajv.addSchema(schema);
const validate = (def: string, value: unknown): boolean => ajv.validate(`${schema.$id}#/$defs/${def}`, value);
const vectors = readdirSync(`${CONTRACT}vectors`).filter((f) => f.endsWith(".json"));

describe("contract/schema.json", () => {
  test.each(vectors)("vector %s is well-formed; its request, completed by the runner, is a valid request", (file) => {
    const vector = JSON.parse(readFileSync(`${CONTRACT}vectors/${file}`, "utf8"));
    expect(validate("vector", vector), JSON.stringify(ajv.errors)).toBe(true);
    expect(validate("request", buildRequest(vector.request))).toBe(true);
    if (vector.response) expect(validate("response", vector.response), JSON.stringify(ajv.errors)).toBe(true);
  });

  test("buildRequest output always validates", () => {
    for (const input of [{}, { method: "POST", body: new Uint8Array([0xff, 0]) }, { headers: { a: "1", b: ["2", "3"] } }]) {
      expect(validate("request", buildRequest(input))).toBe(true);
    }
  });

  test.each([
    '{"status":200}',
    '{"status":201,"headers":{"A":["1"]},"body":"x"}',
    '{"status":200,"body":"aGk=","body_encoding":"base64"}',
    '{"status":99}',
    '{"status":600}',
    '{"status":200.5}',
    '{"status":"200"}',
    "{}",
    '{"status":200,"headers":{"A":"b"}}',
    '{"status":200,"headers":{"A":[1]}}',
    '{"status":200,"body":5}',
    '{"status":200,"body":"x","body_encoding":"hex"}',
    '{"status":200,"body":"abc","body_encoding":"base64"}',
    '{"status":200,"body_encoding":"hex"}',
    '{"status":100}',
    '{"status":199}',
    '{"status":200,"headers":{":status":["500"]}}',
    '{"status":200,"headers":{"X A":["1"]}}',
    '{"status":200,"headers":{"X-A":["a\\r\\nb"]}}',
    '{"status":200,"headers":{"X-A":["a\\u0000b"]}}',
    '{"status":200,"headers":{"X-A":[" a"]}}',
    '{"status":200,"headers":{"X-A":["a\\tb", "", "caf\\u00e9"],"B":null}}',
  ])("the harness and the schema agree on %s", (text) => {
    expect(decodeResponse(new TextEncoder().encode(text)).ok).toBe(validate("response", JSON.parse(text)));
  });
});
