// JSON as Go's encoding/json reads it where JavaScript's JSON.parse
// cannot: a number is kept as the text it was written in, so that an
// integer past 2^53 stays exact and `1.0` can be told from `1`.

/** A number as written in the JSON text. */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type Json = null | boolean | string | JsonNumber | Json[] | { [key: string]: Json };

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;
const SPACE = /[ \t\n\r]*/y;

/** Parses JSON text, numbers kept as their text; throws on anything that is not JSON. */
export function parseExact(text: string): Json {
  let at = 0;
  const space = (): void => {
    SPACE.lastIndex = at;
    SPACE.exec(text);
    at = SPACE.lastIndex;
  };
  const token = (re: RegExp): string | null => {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return null;
    at = re.lastIndex;
    return m[0];
  };
  const value = (depth: number): Json => {
    if (depth > 512) throw new Error("nested too deeply");
    space();
    const c = text[at];
    if (c === "{") {
      at++;
      const out: { [key: string]: Json } = {};
      space();
      if (text[at] === "}") {
        at++;
        return out;
      }
      for (;;) {
        space();
        const key = token(STRING);
        if (key === null) throw new Error("expected a key");
        space();
        if (text[at++] !== ":") throw new Error("expected ':'");
        out[JSON.parse(key) as string] = value(depth + 1);
        space();
        const next = text[at++];
        if (next === "}") return out;
        if (next !== ",") throw new Error("expected ',' or '}'");
      }
    }
    if (c === "[") {
      at++;
      const out: Json[] = [];
      space();
      if (text[at] === "]") {
        at++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        space();
        const next = text[at++];
        if (next === "]") return out;
        if (next !== ",") throw new Error("expected ',' or ']'");
      }
    }
    if (c === '"') {
      const s = token(STRING);
      if (s === null) throw new Error("bad string");
      return JSON.parse(s) as string;
    }
    for (const [word, v] of [
      ["true", true],
      ["false", false],
      ["null", null],
    ] as const) {
      if (text.startsWith(word, at)) {
        at += word.length;
        return v;
      }
    }
    const n = token(NUMBER);
    if (n === null) throw new Error("expected a value");
    return new JsonNumber(n);
  };
  const v = value(0);
  space();
  if (at !== text.length) throw new Error("data after the value");
  return v;
}
