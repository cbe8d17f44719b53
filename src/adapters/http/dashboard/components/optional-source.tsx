import type { FC } from "hono/jsx";

export interface OptionalSourceProps {
  /** The REST route (Hono form, e.g. `/api/client/:clientId/replicas`) that serves the data, when served. */
  source: string | null;
  caption: string;
  /** What the section will show once the control plane serves it. */
  unavailable: string;
  /** A known shape the client script renders in its own way ("jobs"); a plain table otherwise. */
  render?: string;
  /** A route acting on one row (e.g. running a job now), when served. */
  action?: string | null;
  /** Show every row (the box grows) instead of a scrolling box: for short lists that must not hide a row. */
  grow?: boolean;
}

/**
 * A section whose data comes from a route that this control plane may not serve yet (savings accounting,
 * decisions, replicas, jobs, the model registry). With the route, the client script renders what it answers;
 * without it, the page says so instead of showing made-up figures.
 */
export const OptionalSource: FC<OptionalSourceProps> = ({
  source,
  caption,
  unavailable,
  render,
  action,
  grow,
}) =>
  source ? (
    <div
      class={grow ? "table-wrap" : "table-wrap scroll-box"}
      data-source={source}
      data-render={render}
      data-action={action ?? undefined}
    >
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr />
        </thead>
        <tbody>
          <tr class="placeholder-row">
            <td>Loading…</td>
          </tr>
        </tbody>
      </table>
    </div>
  ) : (
    <p class="empty-state" data-unavailable="true">
      {unavailable}
    </p>
  );
