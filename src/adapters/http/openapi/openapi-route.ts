import { VERSION } from "../../../version.js";
import { type RouteDefinition, route } from "../route-definition.js";
import { buildOpenApiDocument, type OpenApiDocument } from "./openapi-document.js";

/**
 * The routes plus `GET /openapi.json`, which describes all of them (itself included). The document is built
 * on first request from the list actually registered, so a route added anywhere in the list is described.
 */
export function withOpenApiRoute(routes: readonly RouteDefinition[]): RouteDefinition[] {
  let document: OpenApiDocument | undefined;
  const all: RouteDefinition[] = [
    ...routes,
    route({
      method: "get",
      path: "/openapi.json",
      auth: "none",
      summary: "This OpenAPI 3.1 document of the REST bridge, generated from the route definitions",
      handle: () => {
        document ??= buildOpenApiDocument(all, VERSION);
        return document;
      },
    }),
  ];
  return all;
}
