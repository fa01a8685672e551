import { JSON } from "json-as";
import { serve, Request, Response, log, isValidJson } from "gojinn";

// POST a JSON object {"name": "...", "email": "..."}: 201 with the created
// user, 400 with {"error": "..."} when the body is invalid, 405 for any
// other method.

@json
class NewUser {
  name: string = "";
  email: string = "";
}

@json
class User {
  id: string = "";
  name: string = "";
  email: string = "";
}

@json
class ApiError {
  error: string = "";
}

function fail(message: string, status: i32 = 400): Response {
  const e = new ApiError();
  e.error = message;
  return Response.json<ApiError>(e, status);
}

// A stable id from the email: FNV-1a, 32 bits, in hex.
function idFor(email: string): string {
  let hash: u32 = 2166136261;
  const bytes = Uint8Array.wrap(String.UTF8.encode(email.toLowerCase()));
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash *= 16777619;
  }
  return hash.toString(16);
}

function handle(req: Request): Response {
  if (req.method != "POST") return fail("use POST with a JSON body", 405).setHeader("Allow", "POST");
  const text = req.text();
  if (!isValidJson(text) || !text.trimStart().startsWith("{")) return fail("the body must be a JSON object");
  const input = req.json<NewUser>();
  const name = input.name.trim();
  if (name.length == 0) return fail("name is required");
  if (input.email.indexOf("@") < 1) return fail("email must be an email address");
  const user = new User();
  user.id = idFor(input.email);
  user.name = name;
  user.email = input.email;
  log.info("created user " + user.id);
  return Response.json<User>(user, 201).setHeader("Location", "/users/" + user.id);
}

serve(handle);
