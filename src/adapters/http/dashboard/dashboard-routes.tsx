import type { Context, Hono } from "hono";
import { html } from "hono/html";
import type { JSX } from "hono/jsx/jsx-runtime";
import { VERSION } from "../../../version.js";
import { buildOpenApiDocument } from "../openapi/openapi-document.js";
import type { AnyRoute } from "../route-definition.js";
import { dashboardFeatures } from "./dashboard-features.js";
import { AdminPage } from "./pages/admin-page.js";
import { AgentPage } from "./pages/agent-page.js";
import { ApiPage } from "./pages/api-page.js";
import { FleetPage } from "./pages/fleet-page.js";
import { NotificationsPage } from "./pages/notifications-page.js";
import { SavingsPage } from "./pages/savings-page.js";
import { SignInPage } from "./pages/sign-in-page.js";
import { loadStaticAssets } from "./static-assets.js";

/**
 * Scripts and styles only from this origin, no inline script, no framing: the token lives in sessionStorage,
 * so nothing else may run in these pages. Data is written with textContent, never as HTML.
 */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "cache-control": "no-cache",
};

async function page(context: Context, element: JSX.Element) {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) context.header(name, value);
  return context.html(html`<!doctype html>${element}`);
}

/**
 * The dashboard: server-rendered page shells under /dashboard, filled in the browser from the REST bridge with
 * the token the tab holds, plus the assets they load. Pages need no token; every figure on them does.
 */
export function mountDashboard(app: Hono, routes: readonly AnyRoute[]): void {
  const features = dashboardFeatures(routes);
  const assets = loadStaticAssets();
  let document: ReturnType<typeof buildOpenApiDocument> | undefined;

  app.get("/", (context) => context.redirect("/dashboard", 302));
  app.get("/dashboard/", (context) => context.redirect("/dashboard", 302));
  app.get("/dashboard", (context) => page(context, <FleetPage />));
  app.get("/dashboard/sign-in", (context) => page(context, <SignInPage />));
  app.get("/dashboard/agents/:agentId", (context) =>
    page(context, <AgentPage agentId={context.req.param("agentId")} features={features} />),
  );
  app.get("/dashboard/savings", (context) => page(context, <SavingsPage />));
  app.get("/dashboard/notifications", (context) => page(context, <NotificationsPage />));
  app.get("/dashboard/admin", (context) => page(context, <AdminPage features={features} />));
  app.get("/dashboard/api", (context) => {
    document ??= buildOpenApiDocument(routes, VERSION);
    return page(context, <ApiPage document={document} />);
  });
  app.get("/dashboard/assets/:name", (context) => {
    const asset = assets.get(context.req.param("name"));
    if (!asset) return context.notFound();
    context.header("etag", asset.etag);
    context.header("cache-control", "no-cache");
    context.header("x-content-type-options", "nosniff");
    if (context.req.header("if-none-match") === asset.etag) return context.body(null, 304);
    context.header("content-type", asset.contentType);
    return context.body(asset.body);
  });
}
