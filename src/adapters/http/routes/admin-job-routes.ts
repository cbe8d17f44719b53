import { presentJob } from "../presenters/job-presenter.js";
import { jobRunResponse, jobsResponse } from "../responses/job-responses.js";
import { route } from "../route-definition.js";

/** The background jobs for operators: their state, and running one now; admin token required. */
export const adminJobRoutes = [
  route({
    method: "get",
    path: "/api/admin/jobs",
    response: jobsResponse,
    auth: "admin",
    summary: "Background jobs with their schedule, next run and last run (time, duration, outcome, summary)",
    handle: async ({ services }) => ({ jobs: services.jobs.list().map(presentJob) }),
  }),
  route({
    method: "post",
    path: "/api/admin/jobs/:name/run",
    response: jobRunResponse,
    auth: "admin",
    summary: "Run a background job now (or wait for the run in progress) and answer its state afterwards",
    handle: async ({ params, services }) => ({ job: presentJob(await services.jobs.run(params.name)) }),
  }),
];
