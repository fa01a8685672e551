#!/usr/bin/env python3
# Writes contract/vectors/*.json. The expected answers are computed here, in
# Python, independently of the SDK and of the Go host, from what
# docs/contract.md and contract/handler/assembly/index.ts specify. Run it after
# changing either; review the diff.
import json, base64, os
from urllib.parse import unquote, unquote_plus
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vectors")
os.makedirs(OUT, exist_ok=True)
for f in os.listdir(OUT): os.remove(os.path.join(OUT, f))

def dump(o): return json.dumps(o, ensure_ascii=False, separators=(",", ":"))

def query_map(uri):
    q = uri.split("?", 1)[1] if "?" in uri else ""
    out = {}
    for part in q.split("&"):
        if not part: continue
        name, _, value = part.partition("=")
        n = unquote_plus(name, errors="replace"); v = unquote_plus(value, errors="replace")
        out.setdefault(n, []).append(v)
    return out

def echo_body(method, uri, headers, body_bytes, binary):
    path = uri.split("?", 1)[0]
    text = "" if binary else body_bytes.decode("utf-8")
    return dump({"method": method, "uri": uri, "path": unquote(path), "query": query_map(uri),
                 "headers": headers, "body": text,
                 "body_base64": base64.b64encode(body_bytes).decode(), "body_length": len(body_bytes)})

def vec(name, description, request, response=None, failure=None):
    req = {"method": request.get("method", "GET"), "uri": request["uri"],
           "headers": dict(sorted(request.get("headers", {}).items())), "body": request.get("body", "")}
    if "body_encoding" in request: req["body_encoding"] = request["body_encoding"]
    v = {"description": description, "request": req}
    if response is not None: v["response"] = response
    if failure is not None: v["failure"] = failure
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        f.write(json.dumps(v, ensure_ascii=False, indent=2) + "\n")

JSON_CT = {"Content-Type": ["application/json"]}
TEXT_CT = {"Content-Type": ["text/plain; charset=utf-8"]}
OCTET_CT = {"Content-Type": ["application/octet-stream"]}

def echo_vec(name, description, method, uri, headers=None, body=b"", binary=False):
    headers = dict(sorted((headers or {}).items()))
    req = {"method": method, "uri": uri, "headers": headers}
    if binary:
        req["body"] = base64.b64encode(body).decode(); req["body_encoding"] = "base64"
    else:
        req["body"] = body.decode("utf-8")
    resp = {"status": 200, "headers": JSON_CT, "body": "" if method == "HEAD" else echo_body(method, uri, headers, body, binary)}
    vec(name, description, req, resp)

# Every method, through /echo.
echo_vec("method-get", "GET: method, uri, decoded path and query, headers reach the guest", "GET",
         "/echo?a=1&a=2&b=caf%C3%A9&c=x+y", {"Accept": ["*/*"], "X-Tag": ["a", "b"]})
echo_vec("method-head", "HEAD: the guest answers, the host sends no body", "HEAD", "/echo", {"Accept": ["*/*"]})
echo_vec("method-post", "POST with a JSON body", "POST", "/echo", {"Content-Type": ["application/json"]},
         b'{"name":"Ana","tags":["a","b"],"n":7}')
echo_vec("method-put", "PUT with a text body", "PUT", "/echo?id=7", {"Content-Type": ["text/plain"]}, b"replace me")
echo_vec("method-patch", "PATCH with a JSON body", "PATCH", "/echo", {"Content-Type": ["application/json"]}, b'{"op":"x"}')
echo_vec("method-delete", "DELETE without a body", "DELETE", "/echo?id=7")
echo_vec("method-options", "OPTIONS without a body", "OPTIONS", "/echo", {"Access-Control-Request-Method": ["POST"], "Origin": ["https://example.com"]})
echo_vec("headers-repeated", "a repeated request header keeps every value, in order", "GET", "/echo",
         {"Accept-Language": ["fr", "en;q=0.8"], "Cookie": ["a=1", "b=2"], "X-Empty": [""]})
echo_vec("uri-percent-encoded", "the uri arrives exactly as sent; path and query are decoded by the SDK", "GET",
         "/echo?q=%E2%9C%93&sp=a%20b&plus=a+b&slash=%2F&amp=%26&empty=&flag&bad=%zz")
echo_vec("body-utf8", "a UTF-8 request body (accents, CJK, emoji outside the BMP) arrives intact", "POST", "/echo",
         {"Content-Type": ["text/plain; charset=utf-8"]}, "héllo wörld ✓ 日本語 😀🎉\nline 2 \"quoted\" \\ back".encode())
echo_vec("body-empty-post", "an empty POST body is an empty string", "POST", "/echo")
echo_vec("body-binary-echo", "a binary request body (body_encoding base64) decodes to the same bytes", "POST", "/echo",
         {"Content-Type": ["application/octet-stream"]}, bytes([0, 255, 1, 254, 128, 10, 13, 34, 92, 0xC3]), binary=True)

binary_in = bytes(range(255, -1, -1)) + b"\x00\xff\xfe"
vec("body-binary-both-ways", "binary bytes in (base64) come back as the same binary bytes (base64)",
    {"method": "POST", "uri": "/echo-bytes", "headers": {"Content-Type": ["application/octet-stream"]},
     "body": base64.b64encode(binary_in).decode(), "body_encoding": "base64"},
    {"status": 200, "headers": OCTET_CT, "body": base64.b64encode(binary_in).decode(), "body_encoding": "base64"})
vec("response-binary", "a binary response: bytes 0..255 as base64",
    {"uri": "/binary"}, {"status": 200, "headers": OCTET_CT, "body": base64.b64encode(bytes(range(256))).decode(), "body_encoding": "base64"})
vec("response-utf8", "a UTF-8 response with emoji and CJK survives",
    {"uri": "/utf8"}, {"status": 200, "headers": TEXT_CT, "body": "héllo wörld ✓ 😀 日本語 🎉"})
vec("response-headers-repeated", "repeated response headers keep every value; names are canonical",
    {"uri": "/headers"}, {"status": 200, "headers": {"X-Multi": ["a", "b"], "X-Single": ["one"]}, "body": "headers"})
for code in [201, 302, 404, 418, 503, 599]:
    vec(f"status-{code}", f"the guest's status {code} reaches the client", {"uri": f"/status/{code}"},
        {"status": code, "headers": TEXT_CT, "body": f"status {code}"})
vec("status-204", "204: no body is sent", {"uri": "/status/204"}, {"status": 204, "body": ""})
vec("not-found", "an unknown path of the contract handler: its own 404",
    {"uri": "/no/such/path"}, {"status": 404, "headers": TEXT_CT, "body": "no such contract path: /no/such/path"})
vec("throw-500", "a handler that throws: the SDK answers 500 (and logs the error)",
    {"uri": "/throw"}, {"status": 500, "headers": TEXT_CT, "body": "Internal Server Error"})
vec("env-and-args", "the guest sees the runner's env (GREETING=hello) and argv[0] = the module's file name",
    {"uri": "/env"}, {"status": 200, "headers": JSON_CT, "body": dump({"greeting": "hello", "args": ["handler.wasm"]})})
vec("log-lines", "log lines go to stderr, never to the client", {"uri": "/log"}, {"status": 200, "headers": TEXT_CT, "body": "logged"})
vec("exit-zero", "proc_exit(0) after a valid response is a success", {"uri": "/exit/0"}, {"status": 200, "headers": TEXT_CT, "body": "exiting"})
vec("exit-nonzero", "proc_exit(3) after a valid response: 502 exit_error", {"uri": "/exit/3"}, failure={"status": 502, "outcome": "exit_error"})
vec("trap", "unreachable: 502 trap", {"uri": "/trap"}, failure={"status": 502, "outcome": "trap"})
vec("garbage-before-object", "text before the JSON object: 502 contract_error", {"uri": "/garbage"}, failure={"status": 502, "outcome": "contract_error"})
vec("two-objects", "two JSON objects: 502 contract_error", {"uri": "/two"}, failure={"status": 502, "outcome": "contract_error"})
vec("empty-output", "nothing on stdout: 502 contract_error", {"uri": "/empty"}, failure={"status": 502, "outcome": "contract_error"})
vec("header-not-array", "a header value that is a string, not an array: 502 contract_error", {"uri": "/bad-header"}, failure={"status": 502, "outcome": "contract_error"})
vec("status-out-of-range", "status 42: 502 contract_error", {"uri": "/bad-status"}, failure={"status": 502, "outcome": "contract_error"})
vec("body-encoding-unknown", "body_encoding \"hex\": 502 contract_error", {"uri": "/bad-encoding"}, failure={"status": 502, "outcome": "contract_error"})
vec("body-base64-invalid", "body_encoding base64 with a body that is not base64: 502 contract_error", {"uri": "/bad-base64"}, failure={"status": 502, "outcome": "contract_error"})
vec("timeout", "an endless loop: stopped at the runner's timeout, 504", {"uri": "/loop"}, failure={"status": 504, "outcome": "timeout"})
vec("output-limit", "2 MiB of output over the runner's 1 MiB cap: 502 output_limit", {"uri": "/big"}, failure={"status": 502, "outcome": "output_limit"})

# What a guest may answer (docs/contract.md, Response): the guest's stdout
# is the request body of POST /raw, which the handler writes back as it is.
def raw_vec(name, description, stdout, response=None):
    if isinstance(stdout, str): stdout = stdout.encode()
    try:
        req = {"method": "POST", "uri": "/raw", "body": stdout.decode("utf-8")}
    except UnicodeDecodeError:
        req = {"method": "POST", "uri": "/raw", "body": base64.b64encode(stdout).decode(), "body_encoding": "base64"}
    fail = None if response else {"status": 502, "outcome": "contract_error"}
    vec(name, description + ": " + ("accepted" if response else "502 contract_error"), req, response, fail)

raw_vec("status-fraction", "status 200.0 is not an integer literal", '{"status":200.0}')
raw_vec("status-exponent", "status 2e2 is not an integer literal", '{"status":2e2}')
raw_vec("status-twice", "status given twice", '{"status":200,"status":500}')
raw_vec("status-twice-escaped", "status given twice, once with an escaped name", '{"status":200,"st\\u0061tus":500}')
raw_vec("status-null", "status null is no status", '{"status":null}')
for code in [100, 101, 103, 199]:
    raw_vec(f"status-{code}", f"status {code} is not a final status", f'{{"status":{code}}}')
raw_vec("status-200-raw", "status 200, the lowest final status", '{"status":200}', {"status": 200, "body": ""})
raw_vec("status-599-raw", "status 599, the highest", '{"status":599}', {"status": 599, "body": ""})
raw_vec("body-twice", "body given twice", '{"status":200,"body":"a","body":"b"}')
raw_vec("body-encoding-unknown-without-body", "body_encoding hex, even without a body", '{"status":200,"body_encoding":"hex"}')
raw_vec("body-base64-line-break", "a base64 body with a line break", '{"status":200,"body":"AAAA\\nAAAA","body_encoding":"base64"}')
raw_vec("response-invalid-utf8", "stdout that is not UTF-8 (a raw 0xFF byte in the body)", b'{"status":200,"body":"\xff"}')
raw_vec("response-byte-order-mark", "a byte order mark before the object", "\ufeff" + '{"status":200}')
raw_vec("response-raw-control-character", "a raw line feed inside a string", '{"status":200,"body":"a\nb"}')
raw_vec("response-unknown-nested-duplicates", "unknown members are only checked to be JSON, duplicates inside them allowed",
        ' {"x":{"a":1,"a":[true,null,-1.5e3]},"status":200,"y":"z"}\n', {"status": 200, "body": ""})
raw_vec("response-escapes", "escapes and surrogate pairs decode; a lone surrogate escape becomes U+FFFD",
        '{"status":200,"body":"\\ud83d\\ude00 \\ud83dx \\ude00 \\u00e9\\t\\"\\/"}', {"status": 200, "body": "😀 \ufffdx \ufffd é\t\"/"})
raw_vec("header-twice", "a header name given twice", '{"status":200,"headers":{"X-A":["1"],"X-A":["2"]}}')
raw_vec("header-twice-case", "a header name given twice in different case", '{"status":200,"headers":{"X-A":["1"],"x-a":["2"]}}')
raw_vec("header-twice-null", "a header name given twice, once null", '{"status":200,"headers":{"X-A":null,"x-a":["2"]}}')
raw_vec("header-pseudo", "a pseudo-header name (:status)", '{"status":200,"headers":{":status":["500"]}}')
raw_vec("header-name-space", "a header name with a space", '{"status":200,"headers":{"X A":["1"]}}')
raw_vec("header-name-empty", "an empty header name", '{"status":200,"headers":{"":["1"]}}')
raw_vec("header-name-non-ascii", "a header name with a non-ASCII letter", '{"status":200,"headers":{"X-\u00e9":["1"]}}')
raw_vec("header-value-crlf", "a header value with CR LF", '{"status":200,"headers":{"X-A":["a\\r\\nSet-Cookie: x=1"]}}')
raw_vec("header-value-lf", "a header value with LF", '{"status":200,"headers":{"X-A":["a\\nb"]}}')
raw_vec("header-value-nul", "a header value with NUL", '{"status":200,"headers":{"X-A":["a\\u0000b"]}}')
raw_vec("header-value-del", "a header value with DEL", '{"status":200,"headers":{"X-A":["a\\u007fb"]}}')
raw_vec("header-value-edge-space", "a header value with white space at its end", '{"status":200,"headers":{"X-A":["a "]}}')
raw_vec("header-valid", "header names in any case come out canonical; tab, quotes and UTF-8 inside a value are allowed; null is absent",
        '{"status":200,"headers":{"x-lower":["a\\tb"],"X-UTF8":["caf\u00e9 \\"q\\""],"x-null":null,"X-Empty":[]},"body":"h"}',
        {"status": 200, "headers": {"X-Lower": ["a\tb"], "X-Utf8": ["café \"q\""], "X-Empty": []}, "body": "h"})
print(len(os.listdir(OUT)))
