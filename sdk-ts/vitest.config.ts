import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// One `npm test` runs the SDK's own tests, every AssemblyScript example's
// tests and the contract vectors (make test runs only this), so the test
// files are found from the repository root.
export default defineConfig({
  resolve: {
    // Examples and the contract tests import the harness as users do; here it
    // is the freshly built dist/ of this checkout (npm test builds it first).
    alias: { "gojinn/testing": fileURLToPath(new URL("./dist/testing/index.js", import.meta.url)) },
  },
  test: {
    dir: fileURLToPath(new URL("..", import.meta.url)),
    include: ["sdk-ts/test/**/*.test.ts", "examples/*-as/test/**/*.test.ts", "contract/test/**/*.test.ts"],
    exclude: ["**/node_modules/**", "**/build/**"],
    globalSetup: ["./test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 600_000,
  },
});
