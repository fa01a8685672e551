import { JSON } from "json-as";
import { serve, Request, Response, Router, isValidJson } from "gojinn";

@json
class User {
  id: string = "";
  name: string = "";
}

@json
class NewUser {
  name: string = "";
}

function index(req: Request): Response {
  return Response.text("routes: GET /users/:id, POST /users, DELETE /users/:id, GET /files/*\n");
}

function getUser(req: Request): Response {
  const user = new User();
  user.id = req.param("id")!;
  user.name = "user " + user.id;
  return Response.json<User>(user);
}

function createUser(req: Request): Response {
  const text = req.text();
  if (!isValidJson(text) || !text.trimStart().startsWith("{")) return Response.text("the body must be a JSON object\n", 400);
  const user = new User();
  user.id = "1";
  user.name = req.json<NewUser>().name;
  return Response.json<User>(user, 201).setHeader("Location", "/users/1");
}

function deleteUser(req: Request): Response {
  return Response.empty(204);
}

function file(req: Request): Response {
  return Response.text("file " + req.param("*")! + "\n");
}

// Caddy serves this example under /router-as: with `handle_path /router-as/*`
// the handler sees /users/42, with `handle /router-as/*` it sees
// /router-as/users/42. stripPrefix makes both route the same.
serve(
  new Router()
    .stripPrefix("/router-as")
    .get("/", index)
    .get("/users/:id", getUser)
    .post("/users", createUser)
    .delete("/users/:id", deleteUser)
    .get("/files/*", file),
);
