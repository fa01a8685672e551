import { validateJSON } from "json-as/assembly/util/validateJson";

/** True when `text` is exactly one valid JSON value (RFC 8259), per json-as. */
export function isValidJson(text: string): bool {
  return validateJSON(text);
}
