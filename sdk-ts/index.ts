// asc resolves `import ... from "gojinn"` to this file (the package root's
// index.ts; asc 0.28 does not read `ascMain`). The SDK lives in assembly/.
export * from "./assembly/index";
