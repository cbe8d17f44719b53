import type { Child, FC } from "hono/jsx";

export interface SectionProps {
  id: string;
  title: string;
  /** Extra classes, e.g. "wide" to span both columns of the agent page. */
  class?: string;
  /** Controls shown beside the heading (range buttons). */
  actions?: Child;
  children?: Child;
}

/**
 * A titled region of a page. `aria-busy` stays true until the client script has filled it, and the status
 * line under the heading tells what went wrong when a read fails.
 */
export const Section: FC<SectionProps> = ({ id, title, class: extra, actions, children }) => (
  <section class={`panel ${extra ?? ""}`.trim()} id={id} aria-labelledby={`${id}-title`} aria-busy="true">
    <div class="panel-head">
      <h2 id={`${id}-title`}>{title}</h2>
      {actions ?? null}
    </div>
    <p class="panel-status" data-role="status" />
    {children}
  </section>
);
