import type { FC } from "hono/jsx";
import type { OpenApiDocument, OpenApiOperation } from "../../openapi/openapi-document.js";
import type { JsonSchema } from "../../openapi/openapi-schema.js";
import { Layout } from "../components/layout.js";

const AUTH_LABEL: Record<string, string> = {
  clientToken: "client token",
  adminToken: "admin token",
};

function authOf(operation: OpenApiOperation): string {
  const scheme = Object.keys(operation.security[0] ?? {})[0];
  return scheme ? (AUTH_LABEL[scheme] ?? scheme) : "none";
}

/** A parameter's type in one line: `integer 1–500, default 50`, `one of hour, day`. */
function describeSchema(schema: JsonSchema): string {
  const parts: string[] = [];
  if (Array.isArray(schema.enum)) parts.push(`one of ${schema.enum.join(", ")}`);
  else if (schema.type)
    parts.push(Array.isArray(schema.type) ? schema.type.join(" or ") : String(schema.type));
  const min = schema.minimum ?? schema.minLength;
  const max = schema.maximum ?? schema.maxLength;
  const safe = (value: unknown) => typeof value === "number" && Math.abs(value) < Number.MAX_SAFE_INTEGER;
  if (safe(min) && safe(max)) parts.push(`${min}–${max}${schema.minLength !== undefined ? " chars" : ""}`);
  else if (safe(max)) parts.push(`at most ${max}${schema.maxLength !== undefined ? " chars" : ""}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(", ");
}

const Operation: FC<{ method: string; path: string; operation: OpenApiOperation }> = ({
  method,
  path,
  operation,
}) => {
  const body = operation.requestBody;
  return (
    <article class="operation" id={operation.operationId}>
      <h3>
        <span class={`method method-${method}`}>{method.toUpperCase()}</span> <code>{path}</code>
      </h3>
      <p>{operation.summary}</p>
      <p class="muted">
        Auth: {authOf(operation)} · answers {Object.keys(operation.responses).join(", ")}
      </p>
      {operation.parameters?.length ? (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{`Parameters of ${method.toUpperCase()} ${path}`}</caption>
            <thead>
              <tr>
                <th scope="col">Parameter</th>
                <th scope="col">In</th>
                <th scope="col">Required</th>
                <th scope="col">Type</th>
              </tr>
            </thead>
            <tbody>
              {operation.parameters.map((parameter) => (
                <tr>
                  <td>
                    <code>{parameter.name}</code>
                  </td>
                  <td>{parameter.in}</td>
                  <td>{parameter.required ? "yes" : "no"}</td>
                  <td>{describeSchema(parameter.schema)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {body ? (
        <details>
          <summary>JSON body{body.required ? " (required)" : ""}</summary>
          <pre>{JSON.stringify(body.content["application/json"].schema, null, 2)}</pre>
        </details>
      ) : null}
    </article>
  );
};

/** The REST bridge's reference, rendered from the generated OpenAPI document (no token needed). */
export const ApiPage: FC<{ document: OpenApiDocument }> = ({ document }) => {
  const byTag = new Map<string, Array<{ method: string; path: string; operation: OpenApiOperation }>>();
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = operation.tags[0] ?? "other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, operation }]);
    }
  }
  return (
    <Layout title="API" page="api" nav="api">
      <h1 id="page-title">REST API</h1>
      <div class="prose">
        <p>
          Every route below is generated from the definitions the server validates requests with; the same
          description is served as OpenAPI 3.1 at <a href="/openapi.json">/openapi.json</a>.
        </p>
        <p>
          Send <code>authorization: Bearer &lt;token&gt;</code>: a client token for <code>/api/client/*</code>{" "}
          and <code>/api/notifications*</code>, the admin token for <code>/api/admin/*</code>. Errors answer{" "}
          <code>{'{"error": {"code": "…", "message": "…"}}'}</code> with 400, 401, 403, 404, 409, 429, 500 or
          503; an id of another client answers 404.
        </p>
      </div>
      <nav aria-label="API sections" class="toc">
        <ul>
          {document.tags
            .filter((tag) => byTag.has(tag.name))
            .map((tag) => (
              <li>
                <a href={`#tag-${tag.name}`}>{tag.name}</a>
              </li>
            ))}
        </ul>
      </nav>
      {document.tags
        .filter((tag) => byTag.has(tag.name))
        .map((tag) => (
          <section class="panel" aria-labelledby={`tag-${tag.name}`}>
            <h2 id={`tag-${tag.name}`}>{tag.name}</h2>
            <p class="muted">{tag.description}</p>
            {(byTag.get(tag.name) ?? []).map((entry) => (
              <Operation {...entry} />
            ))}
          </section>
        ))}
    </Layout>
  );
};
