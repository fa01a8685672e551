// The gojinn AssemblyScript SDK: `import { serve, Request, Response, log } from "gojinn"`.

export { Request } from "./request";
export { Response, TEXT_PLAIN, APPLICATION_JSON, OCTET_STREAM } from "./response";
export { serve, Handler, readRequest, writeResponse } from "./serve";
export { log } from "./log";
export { Router } from "./router";
export { encodeBase64, decodeBase64 } from "./base64";
export { percentDecode } from "./uri";
export { canonicalHeaderName } from "./headers";
export { isValidJson } from "./json";
export { handlerAborted } from "./failure";
export { kv, KvStore, KvEntry } from "./kv";
export { fetch, FetchInit, FetchResponse } from "./fetch";
export { queue } from "./queue";
export { ai, Message } from "./ai";
export { sql, SqlRows, SqlRow, SqlResult } from "./sql";
export { SqlValue, SqlType } from "./sqlvalue";
export { objects, ObjectStore, ObjectHead, ObjectInfo, ObjectPage, StoredObject } from "./objects";
