import type { RouteDefinition } from "../route-definition.js";
import { commandRoutes } from "./command-routes.js";
import { healthRoutes } from "./health-routes.js";

/** Every REST route the bridge serves. */
export function httpRoutes(version: string): RouteDefinition[] {
  return [...healthRoutes(version), ...commandRoutes];
}
