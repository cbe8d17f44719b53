import { z } from "zod";
import { VERSION } from "../../../version.js";
import { jsonObject } from "../responses/json-values.js";
import { type AnyRoute, route } from "../route-definition.js";
import { buildOpenApiDocument, type OpenApiDocument } from "./openapi-document.js";

/**
 * The routes plus `GET /openapi.json`, which describes all of them (itself included). The document is built
 * on first request from the list actually registered, so a route added anywhere in the list is described.
 */
export function withOpenApiRoute(routes: readonly AnyRoute[]): AnyRoute[] {
  let document: OpenApiDocument | undefined;
  const all: AnyRoute[] = [
    ...routes,
    route({
      method: "get",
      path: "/openapi.json",
      auth: "none",
      summary: "This OpenAPI 3.1 document of the REST bridge, generated from the route definitions",
      response: z
        .object({
          openapi: z.literal("3.1.0"),
          info: jsonObject,
          tags: z.array(z.object({ name: z.string(), description: z.string() })),
          paths: jsonObject,
          components: jsonObject,
        })
        .describe("An OpenAPI 3.1 document"),
      handle: () => {
        document ??= buildOpenApiDocument(all, VERSION);
        return document;
      },
    }),
  ];
  return all;
}
