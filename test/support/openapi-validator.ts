import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020, type ValidateFunction } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * Validates a document against the OpenAPI 3.1 specification's own JSON schema, with
 * @seriousme/openapi-schema-validator. Answers the errors, empty when the document is valid.
 */
export async function openApi31Errors(document: unknown): Promise<string[]> {
  const validator = new Validator();
  const result = await validator.validate(structuredClone(document) as Record<string, unknown>);
  if (validator.version !== "3.1") return [`not an OpenAPI 3.1 document (read as ${validator.version})`];
  if (result.valid) return [];
  const errors = result.errors ?? [];
  return typeof errors === "string"
    ? [errors]
    : errors.map((error) => `${error.instancePath || "/"}: ${error.message ?? error.keyword}`);
}

/**
 * The success-response validators of a published OpenAPI 3.1 document (JSON Schema draft 2020-12, formats
 * checked), by "METHOD /template/{param}" and status.
 */
export function responseValidators(document: {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
}) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats.default(ajv);
  const cache = new Map<string, ValidateFunction>();
  return (operation: string, status: number, body: unknown): string[] => {
    const [method = "", path = ""] = operation.split(" ");
    const response = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)];
    const media = response?.content?.["application/json"] as { schema?: object } | undefined;
    if (!media?.schema) return [`${operation} documents no JSON answer with status ${status}`];
    const key = `${operation} ${status}`;
    let validate = cache.get(key);
    if (!validate) {
      validate = ajv.compile(media.schema);
      cache.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) => `${error.instancePath || "/"} ${error.message} ${JSON.stringify(error.params)}`,
    );
  };
}
