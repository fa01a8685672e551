// The SDK's request decoder (assembly/jsonread.ts, assembly/wire.ts), through
// the fixture's POST /decode: its body is decoded as a request JSON and every
// field is answered. It must read any valid JSON as JSON.parse does, and
// reject anything else with a clear message.
import { beforeAll, describe, expect, test } from "vitest";
import { invoke } from "../dist/testing/index.js";
import { buildFixture } from "./build-fixture.js";

let wasm = "";
beforeAll(async () => {
  wasm = await buildFixture("sdk-handler");
});

interface Decoded {
  method: string;
  uri: string;
  headers: Record<string, string[]>;
  body: string;
  body_encoding: string;
  trace_id: string;
  host: string;
  remote_addr: string;
  proto: string;
  lengths: number[];
  firstValue: string | null;
}

const EMPTY: Omit<Decoded, "lengths" | "firstValue"> = {
  method: "",
  uri: "",
  headers: {},
  body: "",
  body_encoding: "",
  trace_id: "",
  host: "",
  remote_addr: "",
  proto: "",
};

/** Decodes `json` (text or bytes) in the guest; the fields, or the failure. */
async function decode(json: string | Uint8Array, header?: string) {
  const uri = header === undefined ? "/decode" : `/decode?header=${encodeURIComponent(header)}`;
  const res = await invoke(wasm, { method: "POST", uri, body: json });
  if (res.status !== 200) return { status: res.status, error: res.logs[0]?.msg ?? res.stderr };
  return { status: 200, decoded: JSON.parse(res.body) as Decoded };
}

/** What decode should give for `json`: JSON.parse's view of the fields the SDK knows. */
function expected(json: string): Omit<Decoded, "lengths" | "firstValue"> {
  const v = JSON.parse(json) as Record<string, unknown>;
  const out = { ...EMPTY };
  for (const key of Object.keys(EMPTY) as (keyof typeof EMPTY)[]) {
    if (v[key] !== undefined && v[key] !== null) (out as Record<string, unknown>)[key] = v[key];
  }
  return out;
}

async function expectSameAsJsonParse(json: string): Promise<Decoded> {
  const r = await decode(json);
  expect(r.status, r.error).toBe(200);
  expect(r.decoded).toMatchObject(expected(json));
  return r.decoded!;
}

// What the Go host writes (sandbox/request.go): this order, no white space.
const HOST_REQUEST =
  '{"method":"GET","uri":"/hello?name=bench","headers":{"Accept":["*/*"],"User-Agent":["wrk"],"X-Tag":["a","b"]},"body":"",' +
  '"trace_id":"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01","host":"127.0.0.1:8080","remote_addr":"127.0.0.1:50000","proto":"HTTP/1.1"}';

describe("decoding the request", () => {
  test("the host's request", async () => {
    await expectSameAsJsonParse(HOST_REQUEST);
  });

  test("any key order, white space everywhere, unknown fields of every kind skipped", async () => {
    await expectSameAsJsonParse(
      ' \n{\t"proto" : "HTTP/2.0" ,\r\n "extra": {"a": [1, -2.5e+3, 0.5E-1, true, false, null, {"b": "}\\"]"}], "c": {}},' +
        ' "method": "PUT", "n": -0, "list": [], "headers" : { "X-A" : [ "1" , "2" ] , "X-B" : [ ] } ,' +
        ' "uri": "/x", "body_encoding": "base64", "body": "aGk=" }\n',
    );
  });

  test("escapes: the short ones, \\u, surrogate pairs, / and \\\\", async () => {
    const d = await expectSameAsJsonParse(
      '{"method":"\\"\\\\\\/\\b\\f\\n\\r\\t","uri":"caf\\u00e9 \\u65e5\\u672c \\uD83D\\uDE00 \\ud83c\\udf89","body":"a\\u0000b\\u001fc",' +
        '"trace_id":"\\u0041\\u00410123456789abcdef\\n0123456789abcdef\\u00e9"}',
    );
    expect(d.uri).toBe("café 日本 😀 🎉");
    expect(d.lengths).toEqual([8, 13, 5, 36]);
  });

  test("a lone surrogate from \\u stays one code unit", async () => {
    const r = await decode('{"method":"a\\ud800b","trace_id":"\\udc00"}');
    expect(r.status).toBe(200);
    expect(r.decoded!.lengths).toEqual([3, 0, 0, 1]);
  });

  test("raw UTF-8: 2-, 3- and 4-byte characters anywhere, names too", async () => {
    await expectSameAsJsonParse(
      JSON.stringify({
        method: "ü",
        uri: "/日本語/😀",
        headers: { "X-Émoji-😀": ["😀🎉", "ñ"], "X-Long": ["ÿ".repeat(40) + "😀".repeat(20)] },
        body: "héllo wörld ✓ 😀 日本語 🎉".repeat(30),
        trace_id: "😀",
      }),
    );
  });

  test("strings of every length from 0 to 80, a special character at each end", async () => {
    const headers: Record<string, string[]> = {};
    for (let n = 0; n <= 80; n++) {
      const plain = "x".repeat(n);
      headers[`P${n}`] = [plain, `"${plain}`, `${plain}\\`, `é${plain}`, `${plain}😀`, `${plain}\n${plain}`];
    }
    const json = JSON.stringify({ method: "GET", headers, body: "b".repeat(77) + '"' });
    await expectSameAsJsonParse(json);
  });

  test("empty strings, an empty headers object, null fields", async () => {
    await expectSameAsJsonParse('{"method":"","uri":"","headers":{},"body":"","trace_id":"","host":null,"proto":null,"headers":null}');
    await expectSameAsJsonParse("{}");
    await expectSameAsJsonParse('{"headers":{"A":[""],"B":[]}}');
  });

  test("many headers, many values; a repeated name: the last wins", async () => {
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < 300; i++) headers[`X-Header-${i}`] = Array.from({ length: i % 5 }, (_, j) => `value ${i}.${j}`);
    await expectSameAsJsonParse(JSON.stringify({ headers }));
    const r = await decode('{"headers":{"A":["1"],"B":["2"],"A":["3"]}}', "a");
    expect(r.decoded!.headers).toEqual({ A: ["3"], B: ["2"] });
    expect(r.decoded!.firstValue).toBe("3");
  });

  test("header lookup ignores case", async () => {
    const r = await decode(HOST_REQUEST, "user-AGENT");
    expect(r.decoded!.firstValue).toBe("wrk");
    expect((await decode(HOST_REQUEST, "x-missing")).decoded!.firstValue).toBeNull();
  });

  test("a large body with escapes and non-ASCII (1 MB)", async () => {
    const body = 'ünïcödé "quoted" \\ 😀\n\t'.repeat(40_000) + "end";
    const d = await expectSameAsJsonParse(JSON.stringify({ method: "POST", body, trace_id: "t" }));
    expect(d.body.length).toBe(body.length);
  });
});

describe("invalid request JSON fails clearly", () => {
  test.each([
    ["", /^handler failed: invalid JSON: unexpected end of input \(expected the request object\)/],
    ["[]", /invalid JSON at byte 0: expected the request object/],
    ['{"method":"GET"', /invalid JSON: unexpected end of input \(expected ',' or '}'\)/],
    ['{"method":"GET}', /invalid JSON: unexpected end of input \(unterminated string\)/],
    ['{"method":"G\u0001T"}', /invalid JSON at byte 12: control character in a string/],
    ['{"method":"\\x"}', /invalid JSON at byte 11: invalid escape in a string/],
    ['{"method":"\\u12G4"}', /invalid JSON at byte 11: invalid \\u escape/],
    ['{"method":GET}', /invalid JSON at byte 10: expected a string/],
    ['{"method":1}', /invalid JSON at byte 10: expected a string/],
    ['{"headers":{"A":"b"}}', /invalid JSON at byte 16: expected an array of strings/],
    ['{"headers":{"A":[1]}}', /invalid JSON at byte 17: expected a string/],
    ['{"headers":[]}', /invalid JSON at byte 11: expected an object of headers/],
    ['{"method":"GET"} x', /invalid JSON at byte 17: unexpected data after the value/],
    ['{"method":"GET",}', /invalid JSON at byte 16: expected a string \(an object key\)/],
    ['{"method" "GET"}', /invalid JSON at byte 10: expected ':'/],
    ['{"x":tru}', /invalid JSON at byte 5: expected a value/],
    ['{"x":01}', /invalid JSON at byte 6: expected ',' or '}'/],
    ['{"x":-}', /invalid JSON at byte 6: invalid number/],
    ['{"x":1.}', /invalid JSON at byte 7: invalid number/],
    ['{"x":[1 2]}', /invalid JSON at byte 8: expected ',' or '\]'/],
    ['{"x":' + "[".repeat(1000) + "]".repeat(1000) + "}", /invalid JSON at byte \d+: nested too deeply/],
  ])("%j", async (json, message) => {
    const r = await decode(json);
    expect(r.status).toBe(500);
    expect(r.error).toMatch(message);
  });

  test("through stdin: a 500 and the reason in the log", async () => {
    // The harness always sends valid JSON, so this goes through /decode as
    // well; serve() runs the same decodeRequest on stdin.
    const r = await decode('{"method":"GET","uri":"/", "headers":{"A":["x"]');
    expect(r.status).toBe(500);
    expect(r.error).toMatch(/^handler failed: invalid JSON: unexpected end of input/);
  });
});
