import type { AnyRoute } from "../route-definition.js";

/**
 * The REST routes behind the dashboard's optional sections, or null where this control plane does not serve
 * one yet. Read from the registered route list, so a section lights up when its route is added.
 */
export interface DashboardFeatures {
  /** Savings per day or month (spec C18). */
  savings: string | null;
  /** Chart series: savings trend, switch frequency (spec C20). */
  charts: string | null;
  /** Decisions with their reasons (spec C4). */
  decisions: string | null;
  /** Replicas of one agent (spec R2) or of the whole client (spec C17). */
  agentReplicas: string | null;
  clientReplicas: string | null;
  /** Background jobs with their last run (admin), and running one now. */
  jobs: string | null;
  jobRun: string | null;
  /** The model registry (admin). */
  models: string | null;
}

export function dashboardFeatures(routes: readonly AnyRoute[]): DashboardFeatures {
  const find = (method: AnyRoute["method"], pattern: RegExp) =>
    routes.find((definition) => definition.method === method && pattern.test(definition.path))?.path ?? null;
  const get = (pattern: RegExp) => find("get", pattern);
  return {
    savings: get(/^\/api\/client\/:clientId\/savings$/),
    charts: get(/^\/api\/client\/:clientId\/stats\/charts$/),
    decisions: get(/^\/api\/client\/:clientId\/agents\/decisions$/),
    agentReplicas: get(/^\/api\/agents\/:agentId\/replicas$/),
    clientReplicas: get(/^\/api\/client\/:clientId\/replicas$/),
    jobs: get(/^\/api\/admin\/jobs$/),
    jobRun: find("post", /^\/api\/admin\/jobs\/:name\/run$/),
    models: get(/^\/api\/admin\/(models|ml-models|model-registry)(\/sessions)?$/),
  };
}
