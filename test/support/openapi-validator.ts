import { spawnSync } from "node:child_process";

const VALIDATE = `
import json, sys
from openapi_spec_validator import OpenAPIV31SpecValidator
errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in OpenAPIV31SpecValidator(json.load(sys.stdin)).iter_errors()]
print("\\n".join(errors[:20]))
sys.exit(1 if errors else 0)
`;

/**
 * Validates a document against the OpenAPI 3.1 specification with openapi-spec-validator (the machine's
 * Python has it, as moto depends on it). Answers the errors, empty when the document is valid.
 */
export function openApi31Errors(document: unknown): string[] {
  const result = spawnSync("python3", ["-c", VALIDATE], {
    input: JSON.stringify(document),
    encoding: "utf8",
  });
  if (result.error || (result.status !== 0 && result.status !== 1)) {
    throw new Error(`openapi-spec-validator did not run: ${result.error ?? result.stderr}`);
  }
  return result.status === 0 ? [] : result.stdout.trim().split("\n");
}
