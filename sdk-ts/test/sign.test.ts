// gojinn keygen, sign, verify and build --sign, run as a user runs them.
// (The Go tests load CLI-signed modules into a real Caddy, and verify a
// Go-signed module with this CLI.)
import { execFileSync } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, test } from "vitest";
import { keyId, signModule, verifyModule } from "../dist/signature/keys.js";
import { gojinn, hasNoStackTrace } from "./cli-runner.js";

const OK_WAT = fileURLToPath(new URL("../../testdata/guests/ok.wat", import.meta.url));
const SDK_HANDLER = fileURLToPath(new URL("./fixtures/sdk-handler/", import.meta.url));
const VECTOR = fileURLToPath(new URL("../../testdata/signature/vector.json", import.meta.url));

let tmp = "";
let module: Buffer; // ok.wat, unsigned

/** The contents of the module's gojinn.signature sections (after the name). */
function signatureSections(file: string): ArrayBuffer[] {
  return WebAssembly.Module.customSections(new WebAssembly.Module(readFileSync(file)), "gojinn.signature");
}

/** A fresh copy of the unsigned module in tmp. */
function copyModule(name: string): string {
  const file = path.join(tmp, name);
  writeFileSync(file, module);
  return file;
}

async function ok(args: string[]): Promise<string> {
  const r = await gojinn(args, tmp);
  expect(r.code, r.stderr).toBe(0);
  return r.stdout;
}

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), "gojinn-sign-"));
  execFileSync("wat2wasm", [OK_WAT, "-o", path.join(tmp, "ok.wasm")]);
  module = readFileSync(path.join(tmp, "ok.wasm"));
  await ok(["keygen", "release"]);
  await ok(["keygen", "other"]);
});

describe("keygen", () => {
  test("writes a private key only its owner can read and a base64 public key, and prints its id", async () => {
    const out = await ok(["keygen", "k1"]);
    expect(statSync(path.join(tmp, "k1.key")).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(tmp, "k1.key"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const pub = readFileSync(path.join(tmp, "k1.pub"), "utf8");
    expect(pub).toMatch(/^[A-Za-z0-9+/]{43}=\n$/);
    const id = createHash("sha256").update(Buffer.from(pub.trim(), "base64")).digest().subarray(0, 8).toString("hex");
    expect(out).toContain(`key id ${id}`);
    expect(out).toContain(`trusted_key ${pub.trim()}`);
  });

  test("refuses to replace a key pair unless --force", async () => {
    await ok(["keygen", "k2"]);
    const before = readFileSync(path.join(tmp, "k2.key"), "utf8");
    const r = await gojinn(["keygen", "k2"], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/k2\.key: already exists \(use --force/);
    expect(readFileSync(path.join(tmp, "k2.key"), "utf8")).toBe(before);
    await ok(["keygen", "k2", "--force"]);
    expect(readFileSync(path.join(tmp, "k2.key"), "utf8")).not.toBe(before);
    expect(statSync(path.join(tmp, "k2.key")).mode & 0o777).toBe(0o600);
  });
});

describe("sign and verify", () => {
  test("sign appends one gojinn.signature section; the module stays valid and verifies", async () => {
    const file = copyModule("a.wasm");
    await ok(["sign", "--key", "release.key", file]);
    const signed = readFileSync(file);
    expect(signed.subarray(0, module.length).equals(module)).toBe(true);
    const sections = signatureSections(file);
    expect(sections).toHaveLength(1);
    expect(sections[0]!.byteLength).toBe(73);
    expect(new Uint8Array(sections[0]!)[0]).toBe(1); // the format version
    expect(await ok(["verify", "--key", "release.pub", file])).toMatch(/^ok: .*a\.wasm is signed by key [0-9a-f]{16}\n$/);
  });

  test("re-signing replaces the signature; -o leaves the input as it was", async () => {
    const file = copyModule("b.wasm");
    await ok(["sign", "--key", "release.key", file]);
    const out = path.join(tmp, "b-other.wasm");
    expect(await ok(["sign", "--key", "other.key", "-o", out, file])).toContain("replaced its earlier signature");
    expect(signatureSections(file)).toHaveLength(1);
    expect(signatureSections(out)).toHaveLength(1);
    expect(readFileSync(out).subarray(0, module.length).equals(module)).toBe(true);
    await ok(["verify", "--key", "release.pub", file]);
    await ok(["verify", "--key", "other.pub", out]);
    const r = await gojinn(["verify", "--key", "release.pub", out], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/b-other\.wasm: signed by a key that is not trusted \(key id [0-9a-f]{16}\)\n$/);
  });

  test("verify takes several keys, the key as base64, or a PEM public key", async () => {
    const file = copyModule("c.wasm");
    await ok(["sign", "--key", "release.key", file]);
    await ok(["verify", "--key", "other.pub", "--key", "release.pub", file]);
    await ok(["verify", "--key", readFileSync(path.join(tmp, "release.pub"), "utf8").trim(), file]);
    const pem = createPublicKey(readFileSync(path.join(tmp, "release.key"))).export({ type: "spki", format: "pem" });
    writeFileSync(path.join(tmp, "release.pem"), pem);
    await ok(["verify", "--key", "release.pem", file]);
  });

  test("verify fails with a clear message for an unsigned module", async () => {
    const r = await gojinn(["verify", "--key", "release.pub", copyModule("unsigned.wasm")], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`gojinn: ${path.join(tmp, "unsigned.wasm")}: the module is not signed\n`);
  });

  test("verify fails with a clear message for one byte changed after signing", async () => {
    const file = copyModule("tampered.wasm");
    await ok(["sign", "--key", "release.key", file]);
    const b = readFileSync(file);
    b[b.indexOf('"body":"ok"') + 8] = "O".charCodeAt(0);
    writeFileSync(file, b);
    const r = await gojinn(["verify", "--key", "release.pub", file], tmp);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^gojinn: .*tampered\.wasm: the signature does not match the module \(key id [0-9a-f]{16}\)\n$/);
  });

  test("bad inputs are one error line", async () => {
    writeFileSync(path.join(tmp, "not.wasm"), "hello");
    const cases: [string[], RegExp][] = [
      [["sign", "--key", "release.key", "not.wasm"], /^gojinn: not a WebAssembly module/],
      [["sign", "--key", "release.pub", copyModule("d.wasm")], /release\.pub: not a private key in PEM/],
      [["sign", "--key", "missing.key", copyModule("d.wasm")], /missing\.key: no such file/],
      [["verify", "--key", "c2hvcnQ=", copyModule("d.wasm")], /c2hvcnQ=: not a public key \(5 bytes of base64, want 32/],
      [["sign", copyModule("d.wasm")], /required option '--key <file>' not specified/],
    ];
    for (const [args, message] of cases) {
      const r = await gojinn(args, tmp);
      expect(r.code, args.join(" ")).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(hasNoStackTrace(r.stderr)).toBe(true);
    }
  });
});

describe("build --sign", () => {
  test("builds and signs the module", async () => {
    const out = path.join(tmp, "built.wasm");
    const r = await gojinn(["build", "assembly/index.ts", "-o", out, "--sign", path.join(tmp, "release.key")], SDK_HANDLER);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/signed .* with key [0-9a-f]{16}\n$/);
    await ok(["verify", "--key", "release.pub", out]);
  });

  test("a bad key fails before building", async () => {
    const out = path.join(tmp, "never.wasm");
    const r = await gojinn(["build", "assembly/index.ts", "-o", out, "--sign", path.join(tmp, "release.pub")], SDK_HANDLER);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/release\.pub: not a private key/);
    expect(existsSync(out)).toBe(false);
  });
});

describe("the same format as the host's", () => {
  // testdata/signature/vector.json was made by the Go implementation, whose
  // tests check it too: Ed25519 is deterministic, so both must sign the same
  // bytes.
  test("signing the vector's module with its key gives its signed bytes", async () => {
    const v = JSON.parse(readFileSync(VECTOR, "utf8")) as Record<string, string>;
    const pub = Buffer.from(v["public_key"]!, "base64");
    const key = createPrivateKey({
      key: { kty: "OKP", crv: "Ed25519", d: Buffer.from(v["seed"]!, "hex").toString("base64url"), x: pub.toString("base64url") },
      format: "jwk",
    });
    const signed = Buffer.from(v["signed"]!, "hex");
    expect(keyId(createPublicKey(key)).toString("hex")).toBe(v["key_id"]);
    expect(Buffer.from(signModule(Buffer.from(v["module"]!, "hex"), key)).toString("hex")).toBe(v["signed"]);
    expect(verifyModule(signed, [createPublicKey(key)])).toEqual({ ok: true, keyId: v["key_id"] });
    const file = path.join(tmp, "vector.wasm");
    writeFileSync(file, signed);
    await ok(["verify", "--key", v["public_key"]!, file]);
  });
});
